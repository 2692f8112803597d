/**
 * `dags deploy` / `dags status` end to end: real Airflow (dev native mode, `dev up --dags s3`) configured with the
 * cluster's bundle settings (src/dags/bundle.ts), reading the S3 DAG bundle from moto's S3 through the
 * `storage.endpointUrl` connection. One Airflow serves every assertion, in order: upload → the DAGs appear, an edit
 * shows up within 60 s, a deleted DAG goes, a syntax error is reported as file:line.
 */
import assert from 'node:assert/strict';
import { rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dagSource, waitFor, type DevProject } from '../../support/dev-project.js';
import { bucketKeys as keys, createBucketStack as createStack, startMoto, type MotoServer } from '../../support/moto.js';
import { createS3BundleProject, upWithS3Bundle } from '../../support/s3-bundle.js';

let moto: MotoServer;
let project: DevProject;
let bucket: string;

/** The DAG whose description the test edits. */
const probe = (description: string) => dagSource('bundle_probe', description);

// Mentions "airflow" and "dag" so safe mode parses it; the syntax error is on line 4.
const SYNTAX_ERROR = ['"""airflow dag with a syntax error."""', 'from airflow.sdk import dag', '', 'def broken(:', '    pass', ''].join('\n');

describe('S3 DAG bundle with real Airflow and moto S3', { timeout: 3_600_000 }, () => {
  before(async () => {
    moto = await startMoto();
    project = await createS3BundleProject(moto, { name: 'dagsb', dags: ['broken/broken_dag.py'] });
    await writeFile(path.join(project.dir, 'dags', 'bundle_probe.py'), probe('v1'));
    await writeFile(path.join(project.dir, 'dags', 'syntax_error.py'), SYNTAX_ERROR);
  });

  after(async () => {
    if (project) {
      await project.cli(['dev', 'down', '--purge'], 180_000);
      await rm(project.dir, { recursive: true, force: true });
    }
    await moto?.stop();
  });

  it('refuses to deploy before the stack exists, pointing at `airflow-aws up` (exit 2)', async () => {
    const r = await project.cli(['dags', 'deploy']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /stack dagsb-\w+-airflow not found in us-east-1: there is no bucket for the DAGs yet/);
    assert.match(r.stderr, /airflow-aws up/);
  });

  it('--dry-run lists what would be added and changes nothing', async () => {
    bucket = await createStack(moto, `${project.name}-airflow`);
    const r = await project.cli(['dags', 'deploy', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['+ broken_dag.py', '+ bundle_probe.py', '+ example_pipeline.py', '+ syntax_error.py']);
    assert.deepEqual(await keys(moto, bucket), []);
  });

  it('deploy uploads every file (a syntax error does not stop it) and the local Airflow parses the bundle', { timeout: 1_800_000 }, async () => {
    const r = await project.cli(['dags', 'deploy']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await keys(moto, bucket), [
      'dags/s3_dags/',
      'dags/s3_dags/broken_dag.py',
      'dags/s3_dags/bundle_probe.py',
      'dags/s3_dags/example_pipeline.py',
      'dags/s3_dags/syntax_error.py',
    ]);
    const again = await project.cli(['dags', 'deploy']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^no changes \(4 file\(s\), version [0-9a-f]{12}\)$/m);

    // The project folder is not what Airflow reads: a DAG only there must not show up.
    const localOnly = path.join(project.dir, 'dags', 'local_only.py');
    await writeFile(localOnly, dagSource('local_only', 'local'));
    try {
      const up = await upWithS3Bundle(project);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stderr, /DAGs from the S3 bundle s3:\/\/\S+\/dags\/s3_dags\//);
      const api = await project.api();
      await waitFor('the bundle DAGs and both import errors in the API', async () => {
        const d = await api.listDagIds();
        return d.includes('bundle_probe') && d.includes('example_pipeline') && (await api.importErrors()).length === 2;
      }, 300_000);
      assert.deepEqual((await api.listDagIds()).sort(), ['bundle_probe', 'example_pipeline']);
      const dag = await api.getDag('bundle_probe');
      assert.equal(dag?.['bundle_name'], 's3_dags');
    } finally {
      await unlink(localOnly);
    }
  });

  it('dags status shows the live version and the import errors as file:line', { timeout: 600_000 }, async () => {
    const r = await project.cli(['dags', 'status', '--local', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { importErrors: string[]; live: { contentHash: string; uploadedBy: string; files: number }; drift: unknown };
    assert.deepEqual(s.importErrors, [
      "dags/broken_dag.py:9: ModuleNotFoundError: No module named 'airflow_aws_no_such_module'",
      'dags/syntax_error.py:4: SyntaxError: invalid syntax',
    ]);
    assert.match(s.live.contentHash, /^[0-9a-f]{64}$/);
    assert.match(s.live.uploadedBy, /^arn:aws:(iam|sts)::\d{12}:/);
    assert.equal(s.live.files, 4);
    assert.deepEqual(s.drift, { missing: [], unlisted: [] });
    const text = await project.cli(['dags', 'status', '--local']);
    assert.match(text.stdout, /^dags\/syntax_error\.py:4: SyntaxError: invalid syntax$/m);
    assert.match(text.stdout, /^uploaded: \d{4}-\d\d-\d\dT\S+ by arn:aws:/m);
  });

  it('an edit reaches the API within 60 s, without a restart', { timeout: 300_000 }, async () => {
    await writeFile(path.join(project.dir, 'dags', 'bundle_probe.py'), probe('v2'));
    const dry = await project.cli(['dags', 'deploy', '--dry-run']);
    assert.deepEqual(dry.stdout.trim().split('\n'), ['~ bundle_probe.py']);
    const pids = (await project.state()).components!.map((c) => c.pid);
    const r = await project.cli(['dags', 'deploy']);
    assert.equal(r.code, 0, r.stderr);
    // From the end of the upload (the CLI's own start-up on a loaded machine is not Airflow's latency).
    const started = Date.now();
    const api = await project.api();
    await waitFor('the new description', async () => (await api.getDag('bundle_probe'))?.['description'] === 'v2', 120_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(`edit visible ${seconds.toFixed(1)} s after the upload`);
    assert.ok(seconds <= 60, `the edit took ${seconds} s to reach the API`);
    assert.deepEqual((await project.state()).components!.map((c) => c.pid), pids, 'a component was restarted');
  });

  it('a deleted DAG goes (removed from the bucket last, gone from the API)', { timeout: 300_000 }, async () => {
    await unlink(path.join(project.dir, 'dags', 'bundle_probe.py'));
    const dry = await project.cli(['dags', 'deploy', '--dry-run']);
    assert.deepEqual(dry.stdout.trim().split('\n'), ['- bundle_probe.py']);
    const r = await project.cli(['dags', 'deploy']);
    assert.equal(r.code, 0, r.stderr);
    const started = Date.now();
    assert.ok(!(await keys(moto, bucket)).includes('dags/s3_dags/bundle_probe.py'));
    const api = await project.api();
    await waitFor('bundle_probe to disappear', async () => !(await api.listDagIds()).includes('bundle_probe'), 180_000);
    console.log(`deletion visible ${((Date.now() - started) / 1000).toFixed(1)} s after the upload`);
    assert.ok((await api.listDagIds()).includes('example_pipeline'));
  });
});
