/**
 * Runs every benchmark (bench/*.ts compiled to dist/bench/*.js) one after another, each in its own process.
 * Usage: npm run bench [-- name-substring ...]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Modules here that are building blocks, not benchmarks. */
const NOT_BENCHES = new Set(['run.js', 'measure.js', 'bare-synth.js']);
const filters = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !NOT_BENCHES.has(f) && !f.startsWith('_'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const b of benches) {
  console.log(`\n== ${b.replace(/\.js$/, '')} ==`);
  const r = spawnSync(process.execPath, [path.join(here, b)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
