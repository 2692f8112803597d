/**
 * Offline rendering for `synth --out DIR`: DIR/kubernetes/NN-<phase>.yaml, one file per apply phase, in apply
 * order. What only exists at deploy time is a clearly marked placeholder (the image, the database endpoint), and
 * the three Secrets are not rendered at all: their values are generated or copied by `airflow-aws deploy`.
 */
import { clusterLogStore } from '../airflow/remote-logs.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { buildApp } from './app.js';
import { NAMES } from './labels.js';
import type { KubeInputs } from './model.js';
import { toYaml } from './yaml.js';

export const PLACEHOLDERS = {
  image: 'PLACEHOLDER.invalid/airflow-image:set-by-airflow-aws-deploy',
  databaseHost: 'PLACEHOLDER-database-endpoint.invalid',
  /** The stack's bucket (task logs, DAG bundle): CloudFormation generates its name. */
  bucket: 'placeholder-bucket-set-by-airflow-aws-deploy',
} as const;

export function offlineInputs(config: ResolvedConfig): KubeInputs {
  return {
    config,
    image: PLACEHOLDERS.image,
    database: { kind: 'external', host: PLACEHOLDERS.databaseHost, port: 5432, sslmode: 'require' },
    secrets: undefined,
    databaseMaster: undefined,
    logStore: clusterLogStore(config, PLACEHOLDERS.bucket),
    dagBundle: { bucketName: PLACEHOLDERS.bucket },
  };
}

export interface RenderedFile {
  readonly path: string;
  readonly content: string;
}

export function renderKubernetes(config: ResolvedConfig): RenderedFile[] {
  const app = buildApp(offlineInputs(config));
  const header = [
    `# Rendered offline by \`airflow-aws synth\` for "${config.name}" (Airflow ${config.airflow.version}).`,
    `# Placeholders filled in by \`airflow-aws deploy\`: image ${PLACEHOLDERS.image},`,
    `# database host ${PLACEHOLDERS.databaseHost}, bucket ${PLACEHOLDERS.bucket} (task logs, DAG bundle). Secrets ${NAMES.secrets}, ${NAMES.metadata} and`,
    `# ${NAMES.databaseMaster} are created by deploy (generated once, then reused) and are not rendered here.`,
    '',
  ].join('\n');
  return app.phases.map((p, i) => ({
    path: `kubernetes/${String(i).padStart(2, '0')}-${p.name}.yaml`,
    content: `${header}# Phase "${p.name}": ${p.description}${p.wait === 'none' ? '' : ` (deploy waits: ${p.wait})`}\n${toYaml(p.objects)}`,
  }));
}
