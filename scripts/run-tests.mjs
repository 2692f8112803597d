#!/usr/bin/env node
// Compiles the project afresh and runs every compiled test file with node's built-in test runner.
// Usage: node scripts/run-tests.mjs [--root DIR --tsconfig FILE] [filter-substring ...]
//   --root/--tsconfig point it at another compiled tree (its own tests use a tiny project; default: this one).
//
// Why compile here: dist/test is removed first, so the compiled copy of a deleted or renamed test can never run.
// Why node:test's run() instead of `node --test`: it lets us count the tests of each file, and a file that
// registers no test fails the run (a file whose tests were all filtered out by a typo is as bad as a red one).
// The last line is the plain `N passed, N failed, N skipped` summary.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { planLanes } from './lib/test-lanes.mjs';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags, positionals: filters } = parseArgs({
  allowPositionals: true,
  options: { root: { type: 'string' }, tsconfig: { type: 'string' } },
});
const testRoot = path.resolve(flags.root ?? path.join(projectRoot, 'dist', 'test'));
const tsconfig = path.resolve(flags.tsconfig ?? path.join(projectRoot, 'tsconfig.json'));

function compile() {
  rmSync(testRoot, { recursive: true, force: true });
  // tsc --incremental trusts its build info and would not re-emit the files just removed.
  rmSync(path.join(path.dirname(testRoot), '.tsbuildinfo'), { force: true });
  const tsc = path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', tsconfig], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('run-tests: the TypeScript build failed');
    process.exit(r.status ?? 1);
  }
}

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (entry.endsWith('.test.js')) out.push(p);
  }
  return out;
}

compile();
const files = walk(testRoot)
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${testRoot} match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}

/**
 * Lanes (scripts/lib/test-lanes.mjs): files that share a once-per-machine peer run one at a time in their group's lane;
 * the groups' lanes run side by side. A new test that uses such a peer must match its group there. Everything on the
 * kubelet node is one file (test/e2e/k8s/real-node.test.ts, its suites in ./suites), so the node starts once per run:
 * add a suite there rather than a file that starts its own.
 */
const lanes = planLanes(files);
lanes.forEach((l, i) => {
  const list = l.files.length <= 10 ? `: ${l.files.map((f) => path.relative(testRoot, f)).join(' ')}` : '';
  console.error(`run-tests: lane ${i + 1} (${l.group}), ${l.files.length} files${list}`);
});

/** Leaf tests per file (suites are containers, not tests). */
const perFile = new Map(files.map((f) => [f, 0]));
const counts = { passed: 0, failed: 0, skipped: 0 };
const isSuite = (d) => d.details?.type === 'suite';
/** Files with a failed suite (a throwing describe body or hook) and with failed leaf tests. */
const failedSuiteFiles = new Set();
const failedTestFiles = new Set();

function runLane(lane, index) {
  const laneFiles = lane.files;
  const started = Date.now();
  const stream = run({ files: laneFiles, concurrency: 1 });
  // An event's `file` is where its test was defined: a suite module imported by a test file names itself. A lane
  // runs one file at a time, so such a test belongs to the test file whose events came last.
  let current;
  const owner = (d) => {
    if (perFile.has(d.file)) current = d.file;
    return perFile.has(d.file) ? d.file : current;
  };
  stream.on('test:start', owner);
  stream.on('test:pass', (d) => {
    const file = owner(d);
    if (isSuite(d)) return;
    if (file) perFile.set(file, (perFile.get(file) ?? 0) + 1);
    if (d.skip || d.todo) counts.skipped += 1;
    else counts.passed += 1;
  });
  stream.on('test:fail', (d) => {
    const file = owner(d);
    if (isSuite(d)) {
      failedSuiteFiles.add(file);
      return;
    }
    // A file that fails to load is reported as one failed test named after the file.
    if (file) perFile.set(file, (perFile.get(file) ?? 0) + 1);
    failedTestFiles.add(file);
    counts.failed += 1;
  });
  const report = stream.compose(new spec());
  // Each lane's report is written whole-chunk by chunk (a test and its result per chunk), so lines never mix.
  report.on('data', (chunk) => process.stdout.write(chunk));
  return new Promise((resolve, reject) => {
    report.on('end', () => {
      // Which lane ends last is where a slow run's time went.
      console.error(`run-tests: lane ${index + 1} (${lane.group}, ${laneFiles.length} files) finished in ${Math.round((Date.now() - started) / 1000)} s`);
      resolve();
    });
    report.on('error', reject);
  });
}

await Promise.all(lanes.map((l, i) => runLane(l, i)));
// A suite can fail without a failing test (its describe body threw): count it once.
for (const f of failedSuiteFiles) if (!failedTestFiles.has(f)) counts.failed += 1;
const empty = [...perFile].filter(([f, n]) => n === 0 && !failedSuiteFiles.has(f)).map(([f]) => path.relative(projectRoot, f));
for (const f of empty) console.log(`✖ ${f} registers no test`);
counts.failed += empty.length;
console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exitCode = counts.failed > 0 ? 1 : 0;
