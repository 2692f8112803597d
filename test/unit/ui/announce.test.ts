/** The admin password reaches a person on a terminal, once, and never a pipe or a file (CI logs, tees). */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { announce } from '../../../src/cli/commands/dev-announce.js';
import type { DevSecrets } from '../../../src/dev/secrets.js';
import { Output } from '../../../src/ui/output.js';

const SECRETS: DevSecrets = {
  version: 1,
  fernetKey: 'f'.repeat(44),
  apiSecretKey: 'api',
  jwtSecret: 'jwt',
  postgresPassword: 'pg',
  adminUser: 'admin',
  adminPassword: 'Sup3rS3cretPassw0rd',
};
const FILE = '/home/me/proj/.airflow-aws/dev/secrets.json';

function run(isTTY: boolean, firstTime: boolean): string {
  const stderr = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  stderr.on('data', (d: Buffer) => (text += d.toString()));
  const out = new Output({ stdout: new PassThrough(), stderr, env: {} });
  announce(out, { state: { apiPort: 8080 } as Parameters<typeof announce>[1]['state'], secrets: SECRETS, firstTime, secretsFile: FILE });
  return text;
}

describe('announce (dev up)', () => {
  const cases: readonly [string, boolean, boolean, boolean][] = [
    ['terminal, first start: shows the password once', true, true, true],
    ['terminal, later start: says where it is', true, false, false],
    ['pipe, first start: says where it is', false, true, false],
    ['pipe, later start: says where it is', false, false, false],
  ];
  for (const [name, tty, first, shown] of cases) {
    it(name, () => {
      const text = run(tty, first);
      assert.equal(text.includes(SECRETS.adminPassword), shown, text);
      assert.ok(text.includes(FILE), 'names the 0600 file');
      assert.match(text, /Airflow is up: http:\/\/localhost:8080/);
    });
  }
});
