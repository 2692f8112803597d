/**
 * A dev project whose local Airflow reads the S3 DAG bundle (`dags.source: s3`) from moto's S3 through
 * `storage.endpointUrl`, with the cluster's bundle settings (src/dags/bundle.ts). Shared by the S3 bundle end-to-end
 * test and the `dags deploy` latency bench, so both measure the same setup.
 */
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { CliResult } from './cli.js';
import { createDevProject, type DevProject } from './dev-project.js';
import { freePort, type MotoServer } from './moto.js';

/**
 * A dev project configured for the S3 bundle on `moto`; its CLI runs with moto's dummy credentials and endpoint.
 * The bucket's stack is not created here (see createBucketStack), so a caller can first see the refusal without it.
 */
export async function createS3BundleProject(moto: MotoServer, opts: { name: string; dags?: readonly string[] }): Promise<DevProject> {
  const project = await createDevProject({ name: opts.name, ...(opts.dags ? { dags: opts.dags } : {}) });
  Object.assign(project.env, moto.env);
  await appendFile(path.join(project.dir, 'airflow-aws.yaml'), ['dags:', '  source: s3', 'storage:', `  endpointUrl: ${moto.endpoint}`, ''].join('\n'));
  return project;
}

/** `dev up --native --detach --dags s3` on a free port: the local Airflow reading the deployed bundle, not `dags/`. */
export async function upWithS3Bundle(project: DevProject): Promise<CliResult> {
  return project.cli(['dev', 'up', '--native', '--detach', '--dags', 's3', '--port', String(await freePort())], 1_800_000);
}
