/**
 * What `dags status` parses on the cluster path, printed by real Airflow: `airflow dags list-import-errors --output
 * json` (the command it runs in the api-server pod, src/ops/dags/import-errors.ts) in the project's native
 * virtualenv, after a real DAG processor parsed the real S3 bundle — `dags deploy` to moto's S3, the bundle
 * configured by the same function as the cluster's ConfigMap (src/dags/bundle.ts). A SQLite metadata database
 * stands in for PostgreSQL: the command reads the same ParseImportError rows either way. That the command reaches
 * the pod, and how the answer is rendered, is test/integ/cli/dags.test.ts.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProcess } from '../../../src/adapters/proc/run-process.js';
import { loadConfig } from '../../../src/config/load.js';
import { dagBundleEnvironment } from '../../../src/dags/bundle.js';
import { bundleProblemLines, LIST_IMPORT_ERRORS_ARGS, readListImportErrors } from '../../../src/dags/import-errors.js';
import { cleanBaseEnv } from '../../../src/dev/plan.js';
import { venvDir } from '../../../src/dev/paths.js';
import { dagsFolder } from '../../../src/ops/dags/deploy.js';
import { loadLock } from '../../../src/ops/dev/project.js';
import { CACHE_DIR, createDevProject, hostPython, type DevProject } from '../../support/dev-project.js';
import { createBucketStack, startMoto, type MotoServer } from '../../support/moto.js';

// Mentions "airflow" and "dag" so safe mode parses it; the syntax error is on line 4. In a sub-folder, to show the
// path Airflow records is relative to the bundle.
const SYNTAX_ERROR = ['"""airflow dag with a syntax error."""', 'from airflow.sdk import dag', '', 'def broken(:', '    pass', ''].join('\n');

let moto: MotoServer;
let project: DevProject;
let home: string;
let airflow: (args: readonly string[]) => ReturnType<typeof runProcess>;

describe('airflow dags list-import-errors --output json (real Airflow, S3 bundle on moto)', { timeout: 1_800_000 }, () => {
  before(async () => {
    moto = await startMoto();
    project = await createDevProject({ name: 'lsie', dags: ['broken/broken_dag.py'] });
    await mkdir(path.join(project.dir, 'dags', 'sub'));
    await writeFile(path.join(project.dir, 'dags', 'sub', 'syntax_error.py'), SYNTAX_ERROR);
    // Builds the virtualenv on first use (minutes), reuses it after; exit 1: it reports the broken DAGs.
    const parse = await project.cli(['dev', 'parse', '--native'], 1_800_000);
    assert.equal(parse.code, 1, parse.stderr);

    Object.assign(project.env, moto.env);
    await appendFile(path.join(project.dir, 'airflow-aws.yaml'), ['dags:', '  source: s3', 'storage:', `  endpointUrl: ${moto.endpoint}`, ''].join('\n'));
    const bucketName = await createBucketStack(moto, `${project.name}-airflow`);
    const deploy = await project.cli(['dags', 'deploy']);
    assert.equal(deploy.code, 0, deploy.stderr);

    const config = await loadConfig(path.join(project.dir, 'airflow-aws.yaml'));
    const venv = venvDir(CACHE_DIR, (await loadLock(config)).lock.sha256, hostPython());
    home = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-lsie-'));
    const env = {
      ...cleanBaseEnv(process.env),
      ...moto.env,
      AIRFLOW_HOME: home,
      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${home}/airflow.db`,
      AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
      AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH: path.join(home, 'dag_bundles'),
      ...dagBundleEnvironment(config, { bucketName }),
    };
    airflow = (args) => runProcess(path.join(venv, 'bin', 'airflow'), args, { env, tailLines: 40 });
    const migrate = await airflow(['db', 'migrate']);
    assert.equal(migrate.exitCode, 0, migrate.stderr);
  });

  after(async () => {
    if (project) await rm(project.dir, { recursive: true, force: true });
    if (home) await rm(home, { recursive: true, force: true });
    await moto?.stop();
  });

  it('before anything is parsed: `[]`, exit 0', async () => {
    const r = await airflow(LIST_IMPORT_ERRORS_ARGS);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(readListImportErrors(r.stdout), []);
  });

  it('after the DAG processor parsed the S3 bundle: exit 1, one row a file, relative to the bundle, read as file:line', async () => {
    const parsed = await airflow(['dag-processor', '--num-runs', '1']);
    assert.equal(parsed.exitCode, 0, parsed.stderr);
    const r = await airflow(LIST_IMPORT_ERRORS_ARGS);
    assert.equal(r.exitCode, 1, r.stderr);
    const rows = readListImportErrors(r.stdout);
    assert.ok(rows, `no JSON result in:\n${r.stdout}`);
    assert.deepEqual(rows.map((e) => [e.bundleName, e.file]).sort(), [
      ['s3_dags', 'broken_dag.py'],
      ['s3_dags', 'sub/syntax_error.py'],
    ]);
    // The traceback names the bundle's local copy, not the project's folder: the line is found by suffix.
    for (const e of rows) assert.match(e.traceback, new RegExp(`File "${home}/dag_bundles/s3_dags/${e.file}", line \\d+`));
    const config = await loadConfig(path.join(project.dir, 'airflow-aws.yaml'));
    assert.deepEqual(bundleProblemLines(rows, dagsFolder(config), 'dags'), [
      "dags/broken_dag.py:9: ModuleNotFoundError: No module named 'airflow_aws_no_such_module'",
      'dags/sub/syntax_error.py:4: SyntaxError: invalid syntax',
    ]);
  });
});
