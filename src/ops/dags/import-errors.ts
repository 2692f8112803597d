/**
 * The cluster's import errors: `airflow dags list-import-errors --output json` in a ready api-server pod, through
 * the exec API (the pod `users` uses, src/ops/airflow-pod.ts). No password, no port-forward, any auth manager.
 */
import type { KubeClient } from '../../adapters/kube/client.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { LIST_IMPORT_ERRORS_ARGS, readListImportErrors, type RecordedImportError } from '../../dags/import-errors.js';
import { UserError } from '../../errors/user-error.js';
import { VENV } from '../../image/plan.js';
import { apiServerExecTarget } from '../airflow-pod.js';

export interface ImportErrorsRead {
  /** For messages: "pod airflow/airflow-api-server-5d9c-x", "the local Airflow's API". */
  readonly where: string;
  readonly errors: readonly RecordedImportError[];
}

/** The command exits in seconds; a minute covers a slow first import of Airflow on a busy node. */
const EXEC_TIMEOUT_MS = 60_000;

export async function clusterImportErrors(client: KubeClient, config: ResolvedConfig, signal: AbortSignal): Promise<ImportErrorsRead> {
  const { execInPod } = await import('../../adapters/kube/exec.js');
  const target = await apiServerExecTarget(client, config);
  const where = `pod ${target.namespace}/${target.pod}`;
  const r = await execInPod(client.kubeConfig, target, [`${VENV}/bin/airflow`, ...LIST_IMPORT_ERRORS_ARGS], { signal, timeoutMs: EXEC_TIMEOUT_MS });
  const errors = readListImportErrors(r.stdout);
  if (!errors) {
    throw new UserError(`airflow dags list-import-errors printed no result in ${where} (exit ${r.exitCode})`, {
      code: 'IMPORT_ERRORS_UNREAD',
      details: `${r.stdout}\n${r.stderr}`
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(-10),
      hint: 'is Airflow healthy there? airflow-aws status',
    });
  }
  return { where, errors };
}
