/**
 * What each Airflow component may do in AWS — the least-privilege table behind the Pod Identity roles. Pure data,
 * so it is reviewed (and tested) apart from the CDK code that renders it into IAM policies.
 *
 * Why each row:
 * - Task logs (`logs/`): whoever runs task code writes them (workers; the triggerer for deferred tasks; the
 *   scheduler too when LocalExecutor runs tasks inside it). The api-server reads finished tasks' logs for the UI.
 * - DAG bundles (`dags/`): read by whoever parses or runs DAG code — the dag-processor and workers (and the
 *   scheduler and triggerer, which import DAG code on LocalExecutor / for triggers). Nobody in the cluster writes
 *   them; the deploy step does, with the caller's credentials.
 * - Secrets backend: `config/` is read by every component (Airflow config may come from there). `connections/`
 *   and `variables/` by those that resolve them: workers and the triggerer (hooks), the dag-processor (top-level
 *   code and callbacks), the api-server (on Airflow 3 it serves connections and variables to tasks through the
 *   Execution API), and the scheduler only when it runs tasks itself (LocalExecutor).
 * - The database credentials secret is readable by no pod role: the deploy step turns it into a Kubernetes Secret.
 */
import type { Component } from '../config/naming.js';
import type { ResolvedConfig } from '../config/resolved.js';

export type SecretsBackendPrefix = 'connections' | 'variables' | 'config';

export interface ComponentPermissions {
  readonly logs: 'none' | 'read' | 'read-write';
  readonly readDags: boolean;
  readonly secrets: readonly SecretsBackendPrefix[];
}

export function componentPermissions(
  component: Component,
  config: Pick<ResolvedConfig, 'airflow'>,
): ComponentPermissions {
  const local = config.airflow.executor === 'LocalExecutor';
  const all: readonly SecretsBackendPrefix[] = ['connections', 'variables', 'config'];
  switch (component) {
    case 'api-server':
      return { logs: 'read', readDags: false, secrets: all };
    case 'scheduler':
      return local
        ? { logs: 'read-write', readDags: true, secrets: all }
        : { logs: 'none', readDags: false, secrets: ['config'] };
    case 'dag-processor':
      return { logs: 'none', readDags: true, secrets: all };
    case 'triggerer':
      return { logs: 'read-write', readDags: true, secrets: all };
    case 'worker':
      return { logs: 'read-write', readDags: true, secrets: all };
  }
}
