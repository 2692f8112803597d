/** `dags status`: renders src/ops/dags/status.ts. */
import { dagsStatus } from '../../ops/dags/status.js';
import type { CommandContext } from '../context.js';
import type { DagsStatusFlags } from '../specs/dags.js';
import { dagsTarget } from './dags-deploy.js';

export async function dagsStatusCommand(ctx: CommandContext, o: DagsStatusFlags): Promise<number> {
  const t = await dagsTarget(ctx);
  let api;
  if (o.local) {
    const { devPaths } = await import('../../dev/paths.js');
    const { apiClient, requireRunning } = await import('../../ops/dev/project.js');
    const paths = devPaths(t.config.projectDir);
    api = await apiClient(paths, await requireRunning(paths), ctx.signal);
  }
  const s = await dagsStatus(t, api);
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
    lines.push(s.importErrors.length === 0 ? 'import errors: none' : `import errors: ${s.importErrors.length}`);
    lines.push(...s.importErrors);
  } else {
    lines.push('import errors: not read (the cluster\'s are in the UI; --local reads the local Airflow\'s)');
  }
  ctx.out.data(lines.join('\n'));
  return 0;
}
