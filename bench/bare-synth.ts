/**
 * The floor for `plan`: a bare `app.synth()` of the same stack, in a fresh process (so module loading counts, as it
 * does for the CLI). Used by bench/cli.ts; not a user-facing entry point.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { buildApp } from '../src/infra/app.js';

const outdir = mkdtempSync(path.join(tmpdir(), 'bare-synth-'));
const config = parseConfig('name: bench\nregion: us-east-1\n', 'bench.yaml', process.cwd());
buildApp(config, { outdir }).app.synth();
rmSync(outdir, { recursive: true, force: true });
