/**
 * `dags deploy`: the DAG folder to the S3 bundle as steps — find the bucket, upload new and changed files, record
 * the manifest (the live version), delete removed files last. Planning is ../../dags/plan.ts; S3 is the adapter.
 *
 * Plugins are not uploaded: Airflow loads plugins once at process start (not from bundles), so a plugin change
 * needs new pods anyway and stays in the image.
 */
import path from 'node:path';
import { callerArn, DagBundleStore } from '../../adapters/aws/dag-bundle-store.js';
import { stackOutputs, type AwsTarget } from '../../adapters/aws/deploy-inputs.js';
import { readDagFile, readDagFiles } from '../../adapters/fs/dag-files.js';
import { STACK_OUTPUTS, stackName } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { s3BundlePrefix } from '../../dags/bundle.js';
import { checkSizes, manifestFor, parseManifest, planUpload, type BundleManifest, type LocalFile, type UploadPlan } from '../../dags/plan.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import type { Step } from '../steps.js';

export interface DagsTarget {
  readonly config: ResolvedConfig;
  readonly aws: AwsTarget;
  /** For messages: the DAG folder as the user sees it. */
  readonly displayFolder: string;
}

/** Everything `dags deploy` decided before changing anything. */
export interface DagsDeploy extends DagsTarget {
  readonly store: DagBundleStore;
  readonly local: readonly LocalFile[];
  readonly plan: UploadPlan;
  readonly live: BundleManifest | undefined;
}

/** `dags.source` must be s3 for an upload to mean anything: Airflow would never read it otherwise. */
export function requireS3Source(config: ResolvedConfig): void {
  if (config.dags.source === 's3') return;
  throw new UserError(`dags deploy uploads an S3 DAG bundle, but dags.source is "${config.dags.source}"`, {
    code: 'DAGS_SOURCE_NOT_S3',
    exitCode: EXIT_BAD_INPUT,
    hint:
      config.airflowMajor === 2
        ? 'Airflow 2 has no DAG bundles: DAGs ship in the image (airflow-aws image build, then up)'
        : 'set dags.source: s3 in the config and run `airflow-aws up` once so every component reads the bundle',
  });
}

/** The stack's bucket, from its outputs; no stack means nothing was created yet. */
export async function openBundleStore(t: DagsTarget): Promise<DagBundleStore> {
  const name = stackName(t.config);
  const outputs = await stackOutputs(t.aws, name);
  const bucket = outputs?.[STACK_OUTPUTS.bucketName];
  if (!bucket) {
    throw new UserError(`stack ${name} ${outputs ? `has no ${STACK_OUTPUTS.bucketName} output` : 'not found'} in ${t.config.region}: there is no bucket for the DAGs yet`, {
      code: 'DAGS_BUCKET_MISSING',
      exitCode: EXIT_BAD_INPUT,
      hint: 'create the infrastructure first with `airflow-aws up`',
    });
  }
  // S3 calls go where Airflow reads: the S3-compatible endpoint when one is configured (CloudFormation stays AWS's).
  const s3Target = t.config.storage.endpointUrl ? { ...t.aws, endpoint: t.config.storage.endpointUrl } : t.aws;
  const store = new DagBundleStore(s3Target, bucket, s3BundlePrefix());
  await store.assertBucket();
  return store;
}

export function dagsFolder(config: ResolvedConfig): string {
  return path.resolve(config.projectDir, config.image.dagsDir);
}

/** Reads both sides and plans; refuses oversized files before anything is uploaded. */
export async function prepareDagsDeploy(t: DagsTarget): Promise<DagsDeploy> {
  requireS3Source(t.config);
  const local = await readDagFiles(dagsFolder(t.config));
  checkSizes(local, t.displayFolder);
  const store = await openBundleStore(t);
  const [remote, manifestText] = await Promise.all([store.list(), store.readManifest()]);
  const live = parseManifest(manifestText);
  return { ...t, store, local, live, plan: planUpload(local, remote, live) };
}

export const DAGS_DEPLOY_STEPS: readonly Step<DagsDeploy>[] = [
  {
    id: 'upload',
    title: 'Upload new and changed files',
    describe: async (d) => ({
      summary: `${d.plan.added.length} new, ${d.plan.changed.length} changed`,
      changes: d.plan.added.length + d.plan.changed.length > 0,
      details: [...d.plan.added.map((f) => `+ ${f.path}`), ...d.plan.changed.map((f) => `~ ${f.path}`)],
      dangers: [],
    }),
    async run(d, report) {
      const files = [...d.plan.added, ...d.plan.changed];
      let done = 0;
      for (const f of files) {
        await d.store.upload(f.path, await readDagFile(dagsFolder(d.config), f.path), f.sha256);
        report.progress(`uploaded ${f.path}`, { done: ++done, total: files.length });
      }
      return { changed: files.length > 0, summary: files.length === 0 ? 'nothing to upload' : `${files.length} file(s) uploaded` };
    },
  },
  {
    id: 'manifest',
    title: 'Record the live version',
    describe: async (d) => ({
      summary: d.live?.contentHash === d.plan.contentHash ? 'unchanged' : `version ${d.plan.contentHash.slice(0, 12)}`,
      changes: d.live?.contentHash !== d.plan.contentHash,
      details: [],
      dangers: [],
    }),
    async run(d) {
      await d.store.writeManifest(manifestFor(d.local, await callerArn(d.aws), new Date()));
      return { changed: true, summary: `version ${d.plan.contentHash.slice(0, 12)}` };
    },
  },
  {
    id: 'remove',
    title: 'Delete removed files',
    describe: async (d) => ({
      summary: `${d.plan.removed.length} removed`,
      changes: d.plan.removed.length > 0,
      details: d.plan.removed.map((p) => `- ${p}`),
      dangers: [],
    }),
    async run(d) {
      // Last: until now the old files were still there for any reader that listed the prefix mid-upload.
      await d.store.remove(d.plan.removed);
      return { changed: d.plan.removed.length > 0, summary: `${d.plan.removed.length} file(s) deleted` };
    },
  },
];
