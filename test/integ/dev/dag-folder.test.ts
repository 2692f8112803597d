/**
 * scanDagFolder on a real folder: which `*.py` files Airflow's DAG processor would import, which safe mode skips,
 * with `.airflowignore` (per folder, inherited), sub-folders, symlinked folders and non-Python files.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scanDagFolder } from '../../../src/adapters/fs/dag-folder.js';

let root: string;
const DAG = 'from airflow.sdk import dag\n';
const HELPER = 'def add(a, b):\n    return a + b\n';

describe('scanDagFolder', () => {
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-dagfolder-'));
    const dags = path.join(root, 'dags');
    const files: Record<string, string> = {
      'etl.py': DAG,
      'helpers.py': HELPER,
      'README.md': DAG,
      'etl_test.py': DAG,
      'sub/report.py': DAG,
      'sub/util.py': HELPER,
      'sub/.airflowignore': 'scratch_*.py\n',
      'sub/scratch_1.py': DAG,
      'vendored/lib.py': DAG,
      '.airflowignore': '*_test.py\nvendored/\n',
      '../outside/linked.py': DAG,
    };
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dags, rel)), { recursive: true });
      await writeFile(path.join(dags, rel), text);
    }
    await symlink(path.join(root, 'outside'), path.join(dags, 'linked'));
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('lists the files Airflow 3 imports and the ones safe mode skips, honouring .airflowignore (glob)', async () => {
    const scan = await scanDagFolder(path.join(root, 'dags'), { major: 3, syntax: 'glob' });
    assert.deepEqual(scan.candidates.map((c) => c.rel), ['etl.py', 'linked/linked.py', 'sub/report.py']);
    assert.deepEqual(scan.skipped, ['helpers.py', 'sub/util.py']);
  });

  it('reads .airflowignore as regular expressions in regexp mode (Airflow 2 default)', async () => {
    // "*_test.py" is not a valid regexp; "vendored/" is one and excludes the folder's files.
    const scan = await scanDagFolder(path.join(root, 'dags'), { major: 2, syntax: 'regexp' });
    assert.deepEqual(scan.candidates.map((c) => c.rel), ['etl.py', 'etl_test.py', 'linked/linked.py', 'sub/report.py', 'sub/scratch_1.py']);
  });

  it('records each candidate’s modification time', async () => {
    const scan = await scanDagFolder(path.join(root, 'dags'), { major: 3, syntax: 'glob' });
    assert.equal(scan.candidates[0]!.mtimeMs, (await stat(path.join(root, 'dags', 'etl.py'))).mtimeMs);
  });

  it('scans a missing folder as empty', async () => {
    assert.deepEqual(await scanDagFolder(path.join(root, 'nope'), { major: 3, syntax: 'glob' }), { candidates: [], skipped: [] });
  });
});
