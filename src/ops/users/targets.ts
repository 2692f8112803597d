/**
 * Where `users` runs its helper: next to a deployed Airflow (a ready api-server pod, through the exec API) or next to
 * the local one (`dev`: the api-server container, or the virtualenv with the environment `dev up` gave its
 * components). Each has the component's database connection and fernet key already; nothing is copied out.
 */
import path from 'node:path';
import type { KubeClient } from '../../adapters/kube/client.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { VENV } from '../../image/plan.js';
import { UserError } from '../../errors/user-error.js';
import { apiComponent, apiServerExecTarget } from '../airflow-pod.js';
import type { AirflowPython } from './index.js';

export async function clusterPython(client: KubeClient, config: ResolvedConfig, signal: AbortSignal): Promise<AirflowPython> {
  const { execInPod } = await import('../../adapters/kube/exec.js');
  const target = await apiServerExecTarget(client, config);
  return {
    where: `pod ${target.namespace}/${target.pod}`,
    run: (script, stdin, redact) => execInPod(client.kubeConfig, target, [`${VENV}/bin/python`, '-c', script], { input: stdin, redact, signal }),
  };
}

/** The local environment of the project; a UserError when none runs (the helper needs its database). */
export async function devPython(config: ResolvedConfig, signal: AbortSignal): Promise<AirflowPython> {
  const { pathsFor, requireRunning } = await import('../dev/project.js');
  const paths = pathsFor(config);
  const state = await requireRunning(paths);
  if (state.mode === 'docker') {
    const { DockerCli } = await import('../../adapters/docker/docker-cli.js');
    const { dockerNames } = await import('../../dev/plan.js');
    const docker = new DockerCli({ signal });
    const container = dockerNames(config.name).container(apiComponent(state.airflowMajor));
    return {
      where: `local container ${container}`,
      run: (script, stdin, redact) => docker.execWithInput(container, [`${VENV}/bin/python`, '-c', script], stdin, redact),
    };
  }
  const { readSecrets } = await import('../../adapters/fs/dev-state.js');
  const { runProcess } = await import('../../adapters/proc/run-process.js');
  const { airflowEnv } = await import('../../dev/airflow-env.js');
  const { cleanBaseEnv } = await import('../../dev/plan.js');
  const { nativeEnvInput } = await import('../dev/native-env.js');
  const secrets = await readSecrets(paths);
  if (!secrets || !state.venv || state.postgresPort === undefined) {
    throw new UserError('the local Airflow\'s state is incomplete (no secrets, virtualenv or database port recorded)', {
      code: 'DEV_STATE_INCOMPLETE',
      hint: 'restart it: airflow-aws dev down, then airflow-aws dev up',
    });
  }
  const env = { ...cleanBaseEnv(process.env), ...airflowEnv(nativeEnvInput(config, paths, secrets, { postgres: state.postgresPort, api: state.apiPort })) };
  const python = path.join(state.venv, 'bin', 'python');
  return {
    where: 'local native Airflow',
    run: (script, stdin, redact) => runProcess(python, ['-c', script], { env, input: stdin, redact: [...redact, secrets.postgresPassword, secrets.fernetKey], signal, tailLines: 30 }),
  };
}
