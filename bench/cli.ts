/**
 * CLI speed: `plan` against the floor of a bare CDK synth of the same stack, and `--help` start-up against a bare
 * `node -e 0`, all measured in this run on this machine. Targets: plan <= 3 s, --help <= 300 ms.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { report, timeCommand } from './measure.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'bin', 'airflow-aws.js');
const project = mkdtempSync(path.join(tmpdir(), 'bench-cli-'));
writeFileSync(path.join(project, 'airflow-aws.yaml'), 'name: bench\nregion: us-east-1\n');
const runs = Number(process.env['BENCH_RUNS'] ?? 7);
const node = process.execPath;

const help = timeCommand([node, cli, '--help'], runs);
const nodeFloor = timeCommand([node, '-e', '0'], runs);
const plan = timeCommand([node, cli, 'plan', '--offline'], runs, { cwd: project });
const bare = timeCommand([node, path.join(root, 'dist', 'bench', 'bare-synth.js')], runs, { cwd: project });

console.log(`airflow-aws CLI bench (median of ${runs} runs, after one warm-up)`);
report([
  { name: 'airflow-aws --help', ms: help, baselineName: 'node -e 0', baselineMs: nodeFloor, targetMs: 300 },
  { name: 'airflow-aws plan --offline', ms: plan, baselineName: 'bare app.synth()', baselineMs: bare, targetMs: 3000 },
]);
