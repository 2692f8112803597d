/** The hygiene check itself must catch a leak in each form it claims to, and stay quiet without one. */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cliTexts, describeLeaks, filesUnder, findLeaks, secretForms } from '../../support/secret-hygiene.js';

const SECRET = { label: 'db password', value: 'pa:ss/w+rd"x1' };
const text = (s: string) => [{ where: 'out', bytes: Buffer.from(s) }];

describe('secret hygiene check', () => {
  const table: [string, string, string | undefined][] = [
    ['the value as is', `password=${SECRET.value};`, 'as is'],
    ['the value percent-encoded in a URI', `postgres://u:${encodeURIComponent(SECRET.value)}@h/db`, 'percent-encoded'],
    ['the value in base64 (Secret data)', `data:\n  pw: ${Buffer.from(SECRET.value).toString('base64')}\n`, 'base64'],
    ['the value JSON-escaped', JSON.stringify({ pw: SECRET.value }), 'JSON-escaped'],
    ['a redacted line', 'password=***', undefined],
    ['a prefix of the value only', `password=${SECRET.value.slice(0, -1)}`, undefined],
  ];
  for (const [what, haystack, form] of table) {
    it(`${form ? 'finds' : 'does not flag'} ${what}`, () => {
      const leaks = findLeaks([SECRET], text(haystack));
      assert.deepEqual(
        leaks.map((l) => l.form),
        form ? [form] : [],
      );
    });
  }

  it('refuses values too short to search for, and skips forms identical to another', () => {
    assert.throws(() => findLeaks([{ label: 'x', value: 'abc' }], text('abc')), /too short/);
    assert.deepEqual(
      secretForms('plainvalue123').map((f) => f.form),
      ['as is', 'base64'],
    );
  });

  it('names the leak by label and place, never by value', () => {
    const message = describeLeaks(findLeaks([SECRET], cliTexts('dev up', { stdout: '', stderr: SECRET.value })));
    assert.match(message, /db password \(as is\) in `dev up` stderr/);
    assert.ok(!message.includes(SECRET.value));
  });

  it('reads every file under a root as bytes, except the skipped ones, without following symlinks', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'hygiene-'));
    try {
      await mkdir(path.join(root, 'store'));
      await mkdir(path.join(root, 'logs'));
      await writeFile(path.join(root, 'store', 'secrets.json'), SECRET.value);
      await writeFile(path.join(root, 'logs', 'a.log'), Buffer.concat([Buffer.from([0, 255, 1]), Buffer.from(SECRET.value)]));
      await writeFile(path.join(root, 'clean.txt'), 'nothing');
      await symlink(path.join(root, 'store', 'secrets.json'), path.join(root, 'link'));
      const files = await filesUnder(root, (rel) => rel === 'store');
      assert.deepEqual(files.map((f) => f.where).sort(), [`file ${path.basename(root)}/clean.txt`, `file ${path.basename(root)}/logs/a.log`]);
      assert.deepEqual(
        findLeaks([SECRET], files).map((l) => l.where),
        [`file ${path.basename(root)}/logs/a.log`],
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
