/** `synth --out DIR` writes DIR/image/: builder and runtime Dockerfiles that pass hadolint and the files they copy. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../support/cli.js';

describe('synth image artifacts', () => {
  it('writes image/Dockerfile.builder and image/Dockerfile (hadolint-clean) with the files they copy', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'airflow-aws-synth-image-'));
    try {
      writeFileSync(path.join(dir, 'airflow-aws.yaml'), 'name: demo\nregion: us-east-1\nairflow:\n  version: 2.10.5\n');
      const r = await runCli(['synth', '--out', 'out'], { cwd: dir, env: { AWS_ACCESS_KEY_ID: '', AWS_PROFILE: '' }, killAfterMs: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      const image = path.join(dir, 'out', 'image');
      for (const f of ['Dockerfile.builder', 'Dockerfile', 'docker/entrypoint.sh', 'docker/lib/wait-for-db.py', 'docker/lib/create-admin.py', 'docker/trim-venv.py']) {
        assert.ok(existsSync(path.join(image, f)), `out/image/${f} written`);
      }
      const dockerfile = readFileSync(path.join(image, 'Dockerfile'), 'utf8');
      assert.match(dockerfile, /^ARG BASE_IMAGE=python:3\.12-slim-bookworm$/m);
      assert.match(dockerfile, /org\.apache\.airflow\.version=2\.10\.5/);
      assert.match(readFileSync(path.join(image, 'Dockerfile.builder'), 'utf8'), /--require-hashes/);
      for (const f of ['Dockerfile.builder', 'Dockerfile']) {
        const hadolint = spawnSync('hadolint', ['--no-color', path.join(image, f)], { encoding: 'utf8' });
        if (hadolint.error) assert.fail('hadolint is not installed: run `bash scripts/testbed/setup.sh`');
        assert.equal(hadolint.stdout + hadolint.stderr, '', f);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
