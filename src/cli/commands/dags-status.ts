/** `dags status`: renders src/ops/dags/status.ts. */
import type { ResolvedConfig } from '../../config/resolved.js';
import { fromApi } from '../../dags/import-errors.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import type { ImportErrorsRead } from '../../ops/dags/import-errors.js';
import { dagsStatus } from '../../ops/dags/status.js';
import type { CommandContext } from '../context.js';
import type { DagsStatusFlags } from '../specs/dags.js';
import { resolveCluster, usesKubeContext } from './cluster-target.js';
import { dagsTarget } from './dags-deploy.js';

/**
 * Where the import errors come from: the local Airflow's API with --local (which must be running: asked for by
 * name), else the cluster the other Kubernetes commands reach (--kube-context/--kubeconfig, or the stack's EKS
 * cluster), read lazily so that a cluster that does not answer only costs the import-errors part.
 */
async function importErrorsReader(ctx: CommandContext, o: DagsStatusFlags, config: ResolvedConfig): Promise<() => Promise<ImportErrorsRead>> {
  if (o.local) {
    const { devPaths } = await import('../../dev/paths.js');
    const { apiClient, requireRunning } = await import('../../ops/dev/project.js');
    const paths = devPaths(config.projectDir);
    const api = await apiClient(paths, await requireRunning(paths), ctx.signal);
    return async () => ({ where: 'the local Airflow', errors: (await api.importErrors()).map(fromApi) });
  }
  return async () => {
    const cluster = await resolveCluster(ctx, config, o);
    ctx.out.step(`reading import errors on ${cluster.where}`);
    const { clusterImportErrors } = await import('../../ops/dags/import-errors.js');
    return clusterImportErrors(cluster.client, config, ctx.signal);
  };
}

export async function dagsStatusCommand(ctx: CommandContext, o: DagsStatusFlags): Promise<number> {
  if (o.local && usesKubeContext(o)) {
    throw new UserError('--local and --kube-context/--kubeconfig name two different Airflows', { code: 'FLAGS_CONFLICT', exitCode: EXIT_BAD_INPUT, hint: 'give one of them' });
  }
  const t = await dagsTarget(ctx);
  const s = await dagsStatus(t, await importErrorsReader(ctx, o, t.config));
  if (o.json) {
    ctx.out.dataJson(s);
    return 0;
  }
  const lines = [`bundle:   s3://${s.bucket}/${s.prefix}`];
  if (s.live) {
    lines.push(`version:  ${s.live.contentHash.slice(0, 12)} (${s.live.files} file(s))`, `uploaded: ${s.live.uploadedAt} by ${s.live.uploadedBy}`);
  } else {
    lines.push('version:  none (nothing deployed yet: airflow-aws dags deploy)');
  }
  for (const p of s.drift.missing) lines.push(`missing from the bucket: ${p}`);
  for (const p of s.drift.unlisted) lines.push(`in the bucket but not in the live version: ${p}`);
  if (s.importErrors) {
    lines.push(`import errors: ${s.importErrors.length === 0 ? 'none' : s.importErrors.length} (read from ${s.importErrorsFrom})`);
    lines.push(...s.importErrors);
  } else {
    lines.push(`import errors: not read: ${s.importErrorsNotRead?.reason ?? 'no Airflow was asked'}`);
  }
  ctx.out.data(lines.join('\n'));
  // Why, on stderr: the command's output tail and what to do next.
  for (const l of s.importErrorsNotRead?.details ?? []) ctx.out.info(`  ${l}`);
  if (s.importErrorsNotRead?.hint) ctx.out.info(s.importErrorsNotRead.hint);
  return 0;
}
