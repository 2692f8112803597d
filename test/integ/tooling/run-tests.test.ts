/**
 * The test runner script itself (scripts/run-tests.mjs), run on a tiny project of its own: it must never run a stale
 * compiled test, and a test file that registers no test must fail the run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../../support/cli.js';

const RUNNER = path.join(REPO_ROOT, 'scripts', 'run-tests.mjs');
const dirs: string[] = [];

/** A project with JS test sources compiled by tsc (allowJs) into dist/test, as ours are. */
function project(sources: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'run-tests-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { allowJs: true, module: 'NodeNext', target: 'ES2022', rootDir: 'src', outDir: 'dist/test', incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo' },
      include: ['src'],
    }),
  );
  mkdirSync(path.join(dir, 'src'));
  for (const [name, text] of Object.entries(sources)) writeFileSync(path.join(dir, 'src', name), text);
  return dir;
}

function runner(dir: string) {
  const r = spawnSync(process.execPath, [RUNNER, '--root', path.join(dir, 'dist', 'test'), '--tsconfig', path.join(dir, 'tsconfig.json')], {
    encoding: 'utf8',
    timeout: 120_000,
    // Our own runner sets NODE_TEST_CONTEXT for its children; a nested runner that sees it reports to us instead.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')),
  });
  return { code: r.status, out: r.stdout, err: r.stderr, last: r.stdout.trimEnd().split('\n').pop() };
}

const PASSING = "import { it } from 'node:test';\nit('passes', () => {});\n";

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('scripts/run-tests.mjs', { timeout: 300_000 }, () => {
  it('removes compiled tests whose source is gone, even when tsc build info says nothing changed', () => {
    const dir = project({ 'ok.test.js': PASSING, 'gone.test.js': "import { it } from 'node:test';\nit('stale', () => { throw new Error('stale copy ran'); });\n" });
    const first = runner(dir);
    assert.equal(first.code, 1, first.out);
    rmSync(path.join(dir, 'src', 'gone.test.js'));
    const second = runner(dir);
    assert.equal(second.code, 0, second.out + second.err);
    assert.equal(existsSync(path.join(dir, 'dist', 'test', 'gone.test.js')), false);
    assert.equal(second.last, '1 passed, 0 failed, 0 skipped');
    // Each lane names its files first and its duration when it ends: which lane ends last is where the time went.
    assert.match(second.err, /^run-tests: lane 1 \(rest\), 1 files: ok\.test\.js$/m);
    assert.match(second.err, /^run-tests: lane 1 \(rest, 1 files\) finished in \d+ s$/m);
  });

  it('fails the run when a test file registers no test, and names the file', () => {
    const dir = project({ 'ok.test.js': PASSING, 'empty.test.js': "import { describe } from 'node:test';\ndescribe('nothing inside', () => {});\n" });
    const r = runner(dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /empty\.test\.js registers no test/);
    assert.equal(r.last, '1 passed, 1 failed, 0 skipped');
  });

  it('counts the tests a file registers from a module it imports (suites kept outside *.test.js) for that file', () => {
    const suite = "import { it } from 'node:test';\nexport function register() { it('from the suite module', () => {}); }\n";
    const dir = project({ 'suite.js': suite, 'host.test.js': "import { describe } from 'node:test';\nimport { register } from './suite.js';\ndescribe('host', () => register());\n" });
    const r = runner(dir);
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(r.last, '1 passed, 0 failed, 0 skipped');
  });

  it('counts a suite whose body throws as a failure', () => {
    const dir = project({ 'ok.test.js': PASSING, 'broken.test.js': "import { describe } from 'node:test';\ndescribe('broken', () => { throw new Error('x'); });\n" });
    const r = runner(dir);
    assert.equal(r.code, 1, r.out);
    assert.equal(r.last, '1 passed, 1 failed, 0 skipped');
  });
});
