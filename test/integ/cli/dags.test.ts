/**
 * `dags deploy` / `dags status` through the real CLI against moto (no Airflow): the refusals — wrong source,
 * oversized files, a bucket that is gone — and that a refused deploy uploads nothing. `dags status` on the cluster
 * path execs into the api-server pod of a fake API server that records what arrives (test/support/fake-kube-exec.ts;
 * the harness's kube-apiserver has no kubelet): the command, pod and container sent, and how each answer reads. That
 * real Airflow prints what is parsed here, in a real api-server pod, is test/e2e/k8s/suites/bucket.ts.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { MAX_DAG_FILE_BYTES } from '../../../src/dags/plan.js';
import { runCli } from '../../support/cli.js';
import { FAKE_POD, startFakeKubeExec, type ExecReply, type FakeKubeExec, type FakeKubeExecOptions } from '../../support/fake-kube-exec.js';
import { bucketKeys, createBucketStack, freePort, startMoto, type MotoServer } from '../../support/moto.js';

let moto: MotoServer;
let dir: string;
let bucket: string;
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const cli = (args: string[]) => runCli(args, { cwd: dir, env: moto.env });
const fakes: FakeKubeExec[] = [];

/** A fake API server answering every exec with `reply`, and a kubeconfig file for it. */
async function fakeCluster(reply: ExecReply, options: FakeKubeExecOptions = {}): Promise<{ fake: FakeKubeExec; kubeconfig: string }> {
  const fake = await startFakeKubeExec(() => reply, options);
  fakes.push(fake);
  const kubeconfig = path.join(dir, `kubeconfig-${fakes.length}.yaml`);
  await writeFile(kubeconfig, fake.kubeconfigYaml());
  return { fake, kubeconfig };
}

// What Airflow 3.3.2 prints (test/fixtures/dags/list-import-errors-3.3.2.out): a start-up warning on stdout, then one
// JSON line; exit 1 because there are errors. Tracebacks name the S3 bundle's local copy on the pod.
const COPY = '/tmp/airflow/dag_bundles/s3_dags';
const LISTED: ExecReply = {
  exitCode: 1,
  stdout: [
    '2026-12-04T11:44:24.310252Z [warning  ] Could not import graphviz. Rendering graph to the graphical format will not be possible. ',
    'Run `pip install graphviz` to attempt to install it. [py.warnings] category=UserWarning',
    JSON.stringify([
      { bundle_name: 's3_dags', filepath: 'syntax_error.py', error: `Traceback (most recent call last):\n  File "${COPY}/syntax_error.py", line 4\n    def broken(:\n               ^\nSyntaxError: invalid syntax\n` },
      { bundle_name: 's3_dags', filepath: 'sub/broken_dag.py', error: `Traceback (most recent call last):\n  File "${COPY}/sub/broken_dag.py", line 9, in <module>\n    import nope\nModuleNotFoundError: No module named 'nope'\n` },
      { bundle_name: 'dags-folder', filepath: 'elsewhere.py', error: 'Traceback (most recent call last):\nSyntaxError: not ours\n' },
    ]),
    '',
  ].join('\n'),
};
const writeConfig = (source: string) =>
  writeFile(path.join(dir, 'airflow-aws.yaml'), ['name: dagscli', 'region: us-east-1', 'dags:', `  source: ${source}`, 'storage:', `  endpointUrl: ${moto.endpoint}`, ''].join('\n'));

describe('dags commands against moto', { timeout: 300_000 }, () => {
  before(async () => {
    moto = await startMoto();
    dir = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-dags-'));
    await mkdir(path.join(dir, 'dags'));
    await writeFile(path.join(dir, 'dags', 'a.py'), '# airflow dag\n');
    bucket = await createBucketStack(moto, 'dagscli-airflow');
  });

  after(async () => {
    for (const f of fakes) await f.close();
    await rm(dir, { recursive: true, force: true });
    await moto?.stop();
  });

  it('refuses when dags.source is not s3 (exit 2, names the value)', async () => {
    await writeConfig('image');
    const r = await cli(['dags', 'deploy']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /dags deploy uploads an S3 DAG bundle, but dags\.source is "image"/);
    assert.match(r.stderr, /set dags\.source: s3/);
  });

  it(`refuses a file over ${MAX_DAG_FILE_BYTES / 1024 / 1024} MiB, naming it, and uploads nothing`, async () => {
    await writeConfig('s3');
    const big = path.join(dir, 'dags', 'data', 'big.csv');
    await mkdir(path.dirname(big));
    await writeFile(big, Buffer.alloc(MAX_DAG_FILE_BYTES + 1));
    try {
      const r = await cli(['dags', 'deploy']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /1 file\(s\) in dags exceed the 5\.0 MiB limit/);
      assert.match(r.stderr, /dags\/data\/big\.csv: 5\.0 MiB/);
      assert.deepEqual(await bucketKeys(moto, bucket), []);
    } finally {
      await rm(path.dirname(big), { recursive: true });
    }
  });

  it('deploys, then reports no changes, then a status with the version', async () => {
    const r = await cli(['dags', 'deploy', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { added: string[]; version: string };
    assert.deepEqual(j.added, ['a.py']);
    assert.deepEqual(await bucketKeys(moto, bucket), ['dags/s3_dags/', 'dags/s3_dags/a.py']);
    const again = await cli(['dags', 'deploy']);
    assert.match(again.stdout, /^no changes \(1 file\(s\), version [0-9a-f]{12}\)$/m);
    const s = await cli(['dags', 'status']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, new RegExp(`^version:  ${j.version.slice(0, 12)} \\(1 file\\(s\\)\\)$`, 'm'));
    // The stack has a bucket but no cluster: the bucket part, and why the import errors were not read.
    assert.match(s.stdout, /^import errors: not read: stack dagscli-airflow has no output ClusterName$/m);
  });

  it('reads the cluster\'s import errors in a ready api-server pod (`airflow dags list-import-errors --output json`, no stdin) as file:line', async () => {
    const { fake, kubeconfig } = await fakeCluster(LISTED);
    const s = await cli(['dags', 'status', '--kubeconfig', kubeconfig]);
    assert.equal(s.code, 0, s.stderr);
    const lines = s.stdout.trim().split('\n');
    assert.match(lines[0]!, new RegExp(`^bundle:   s3://${bucket}/dags/s3_dags/$`));
    assert.deepEqual(lines.slice(lines.findIndex((l) => l.startsWith('import errors:'))), [
      `import errors: 2 (read from pod airflow/${FAKE_POD})`,
      "dags/sub/broken_dag.py:9: ModuleNotFoundError: No module named 'nope'",
      'dags/syntax_error.py:4: SyntaxError: invalid syntax',
    ]);
    assert.equal(fake.execs.length, 1);
    const call = fake.execs[0]!;
    assert.equal(call.path, `/api/v1/namespaces/airflow/pods/${FAKE_POD}/exec`);
    assert.equal(call.query.get('container'), 'api-server');
    assert.deepEqual(call.query.getAll('command'), ['/opt/venv/bin/airflow', 'dags', 'list-import-errors', '--output', 'json']);
    assert.equal(call.query.get('stdin'), 'false');
    assert.equal(call.query.get('tty'), 'false');

    const j = await cli(['dags', 'status', '--kubeconfig', kubeconfig, '--json']);
    assert.equal(j.code, 0, j.stderr);
    const json = JSON.parse(j.stdout) as { importErrors: string[]; importErrorsFrom: string; live: { files: number } };
    assert.equal(json.importErrors.length, 2);
    assert.equal(json.importErrorsFrom, `pod airflow/${FAKE_POD}`);
    assert.equal(json.live.files, 1);
  });

  it('no import errors: `[]` and exit 0 from Airflow reads "none"', async () => {
    const { kubeconfig } = await fakeCluster({ exitCode: 0, stdout: 'Run `pip install graphviz` to attempt to install it.\n[]\n' });
    const s = await cli(['dags', 'status', '--kubeconfig', kubeconfig]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, new RegExp(`^import errors: none \\(read from pod airflow/${FAKE_POD}\\)$`, 'm'));
  });

  // What each case's cluster is, what stdout says, what stderr says, and how many execs reached the cluster.
  const notRead: [string, () => Promise<{ kubeconfig: string; fake: FakeKubeExec }>, RegExp, RegExp, number][] = [
    [
      'no api-server pod is Ready: no exec',
      () => fakeCluster(LISTED, { podReady: false }),
      /^import errors: not read: no ready pod behind Service airflow\/airflow-api-server \(1 pod\(s\), none ready\)$/m,
      /airflow-aws status/,
      0,
    ],
    [
      'the command prints no result (Airflow cannot reach its database): its output tail on stderr',
      () => fakeCluster({ exitCode: 1, stderr: 'sqlalchemy.exc.OperationalError: could not connect to server\n' }),
      new RegExp(`^import errors: not read: airflow dags list-import-errors printed no result in pod airflow/${FAKE_POD} \\(exit 1\\)$`, 'm'),
      /^ {2}sqlalchemy\.exc\.OperationalError: could not connect to server$/m,
      1,
    ],
    [
      'the cluster does not answer (nothing listens at its address)',
      async () => {
        const { fake } = await fakeCluster(LISTED);
        const kubeconfig = path.join(dir, 'kubeconfig-closed.yaml');
        await writeFile(kubeconfig, fake.kubeconfigYaml().replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${await freePort()}`));
        return { kubeconfig, fake };
      },
      /^import errors: not read: cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+/m,
      /while trying to read Service airflow\/airflow-api-server/,
      0,
    ],
  ];
  for (const [what, cluster, line, stderr, execs] of notRead) {
    it(`still shows the bucket part, exit 0, when ${what}`, async () => {
      const { kubeconfig, fake } = await cluster();
      const s = await cli(['dags', 'status', '--kubeconfig', kubeconfig]);
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /^version:  [0-9a-f]{12} \(1 file\(s\)\)$/m);
      assert.match(s.stdout, line);
      assert.match(s.stderr, stderr);
      assert.equal(fake.execs.length, execs);
    });
  }

  const refusals: [string, string[], RegExp][] = [
    ['--local with --kubeconfig', ['--local', '--kubeconfig', 'k.yaml'], /--local and --kube-context\/--kubeconfig name two different Airflows/],
    ['a kube context the kubeconfig does not have (bad input is not swallowed)', ['--kube-context', 'nope'], /kube context "nope" not found/],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what} with exit 2`, async () => {
      const { fake, kubeconfig } = await fakeCluster(LISTED);
      const r = await cli(['dags', 'status', ...(args.includes('--kubeconfig') ? args : [...args, '--kubeconfig', kubeconfig])]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.deepEqual(fake.execs, []);
    });
  }

  it('points at `airflow-aws up` when the stack\'s bucket is gone (exit 2)', async () => {
    const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, credentials: creds });
    const { DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: (await bucketKeys(moto, bucket)).map((Key) => ({ Key })) } }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
    const r = await cli(['dags', 'deploy']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`the deployment bucket ${bucket} does not exist`));
    assert.match(r.stderr, /airflow-aws up/);
  });
});
