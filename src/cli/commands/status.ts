/**
 * `airflow-aws status`: the stack and what it created (AWS), Airflow's components and task pods (Kubernetes), and
 * Airflow's own health report, with one verdict. Exit 0 healthy, 1 degraded, 3 nothing deployed, 4 paused
 * (airflow-aws pause; see docs/pause.md).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stackName } from '../../config/naming.js';
import { UserError } from '../../errors/user-error.js';
import { componentSpecs } from '../../k8s/workloads.js';
import type { AwsStatus, EnvironmentStatus, KubeStatus } from '../../status/model.js';
import { renderStatus } from '../../status/render.js';
import { STATUS_EXIT, verdict } from '../../status/verdict.js';
import type { CommandContext } from '../context.js';
import type { StatusFlags } from '../specs/kube.js';
import { resolveCluster, usesKubeContext } from './cluster-target.js';

/** A failure we report as part of the status (exit 1) rather than abort on: unreachable, forbidden, throttled. */
function reportable(e: unknown): e is UserError {
  return UserError.is(e) && e.exitCode === 1;
}

export async function statusCommand(ctx: CommandContext, o: StatusFlags): Promise<number> {
  const config = await ctx.config();
  const useContext = usesKubeContext(o);
  const { credentialSourceConfigured } = await import('../../adapters/aws/cloudformation.js');
  // With a kube context AWS is optional: asked only when some credential source is set up, so a laptop with
  // minikube and no AWS account gets an answer without a multi-second credential probe.
  const askAws = !useContext || credentialSourceConfigured(process.env, (rel) => existsSync(path.join(os.homedir(), rel)));

  let aws: AwsStatus | undefined;
  let awsError: string | undefined;
  if (askAws) {
    ctx.out.step(`reading stack ${stackName(config)} in ${config.region}`);
    const { readAwsStatus } = await import('../../adapters/aws/environment-status.js');
    try {
      aws = await readAwsStatus({ region: config.region }, stackName(config));
    } catch (e) {
      if (!useContext || !reportable(e)) throw e;
      awsError = e.message;
    }
  }

  let kube: KubeStatus | undefined;
  let kubeError: string | undefined;
  if (useContext || (aws?.exists && aws.cluster)) {
    try {
      const target = await resolveCluster(ctx, config, o);
      ctx.out.step(`reading namespace ${config.kubernetes.namespace} on ${target.where}`);
      const { readKubeStatus } = await import('../../adapters/kube/workload-status.js');
      kube = await readKubeStatus(target.client, config, target.where, componentSpecs({ config }).map((s) => s.component));
    } catch (e) {
      if (!reportable(e)) throw e;
      kubeError = e.message;
    }
  }

  const env: EnvironmentStatus = {
    name: config.name,
    airflowVersion: config.airflow.version,
    airflowMajor: config.airflowMajor,
    ...(aws ? { aws } : {}),
    ...(awsError ? { awsError } : {}),
    ...(kube ? { kube } : {}),
    ...(kubeError ? { kubeError } : {}),
  };
  const v = verdict(env);
  if (o.json) ctx.out.dataJson({ state: v.state, problems: v.problems, ...env });
  else for (const line of renderStatus(env, v, new Date())) ctx.out.data(line);
  if (v.state === 'not-deployed') {
    ctx.out.info(useContext ? 'deploy Airflow with: airflow-aws deploy --kube-context … --image …' : 'create it with: airflow-aws up');
  }
  if (v.state === 'paused') ctx.out.info('resume with: airflow-aws resume');
  return STATUS_EXIT[v.state];
}
