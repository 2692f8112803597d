/**
 * Native mode with the default auth manager (FAB): the admin user is created from the generated secret and the
 * REST client logs in through FAB's /auth/token.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../../src/adapters/fs/dev-state.js';
import { createDevProject, type DevProject } from '../../support/dev-project.js';

let project: DevProject;

describe('dev (native mode) with the FAB auth manager', { timeout: 3_600_000 }, () => {
  before(async () => {
    project = await createDevProject({ name: 'devfab', auth: 'fab', dags: [] });
  });
  after(async () => {
    if (!project) return;
    await project.cli(['dev', 'down', '--purge'], 180_000);
    await rm(project.dir, { recursive: true, force: true });
  });

  it('creates the admin user and runs the example pipeline through the API', { timeout: 1_800_000 }, async () => {
    const up = await project.cli(['dev', 'up', '--native', '--detach', '--port', String(await freePort())], 1_800_000);
    assert.equal(up.code, 0, up.stderr);
    const r = await project.cli(['dev', 'run-dag', 'example_pipeline', '--timeout', '300'], 400_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /example_pipeline \S+: success/);
  });
});
