/**
 * The project's entry points agree: `.ci/run` runs exactly the test command the README shows, and that command
 * installs the npm dependencies only when node_modules does not match the lock (scripts/lib/node-deps.sh).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../../support/cli.js';

const read = (rel: string) => readFileSync(path.join(REPO_ROOT, rel), 'utf8');

describe('the one test command', () => {
  it('is the command in the README test block, and the last command .ci/run runs', () => {
    const readme = read('README.md');
    const block = /Run the tests[^\n]*\n\n```bash\n([^\n]+)\n```/.exec(readme);
    assert.ok(block, 'README has a "Run the tests" bash block');
    const command = block[1]!.trim();
    const ciLines = read('.ci/run').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    assert.equal(ciLines.at(-1), command);
    assert.equal(command, 'bash scripts/test.sh');
  });
});

describe('ensure_node_modules (scripts/lib/node-deps.sh)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'node-deps-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A stand-in npm on PATH that records each call and creates node_modules as `npm ci` would.
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'npm'), '#!/bin/sh\necho "$*" >> "$CALLS"\nmkdir -p node_modules\n');
  chmodSync(path.join(bin, 'npm'), 0o755);
  const root = path.join(dir, 'project');
  mkdirSync(root);
  const calls = path.join(dir, 'calls');

  function ensure(): number {
    const r = spawnSync('bash', ['-c', `source "${path.join(REPO_ROOT, 'scripts', 'lib', 'node-deps.sh')}" && ensure_node_modules "$1"`, '_', root], {
      env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, CALLS: calls },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    try {
      return readFileSync(calls, 'utf8').trim().split('\n').length;
    } catch {
      return 0;
    }
  }

  it('runs npm ci once, skips it while the lock is unchanged, and again after the lock changes', () => {
    writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion": 3, "v": 1}\n');
    assert.equal(ensure(), 1, 'first run installs');
    assert.match(readFileSync(calls, 'utf8'), /^ci /);
    assert.equal(ensure(), 1, 'same lock: skipped');
    writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion": 3, "v": 2}\n');
    assert.equal(ensure(), 2, 'changed lock: installs again');
    rmSync(path.join(root, 'node_modules', '.airflow-aws-lock'));
    assert.equal(ensure(), 3, 'no stamp (an interrupted install): installs again');
  });
});
