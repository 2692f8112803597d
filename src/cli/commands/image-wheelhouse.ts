/** `image wheelhouse`: download every locked wheel for the image's Python/platform, for builds without network. */
import path from 'node:path';
import { downloadWheelhouse, ensurePythonTools } from '../../adapters/proc/python-tools.js';
import type { CommandContext } from '../context.js';
import { projectPaths, pythonToolOptions, readFreshLock } from './image-common.js';

export async function imageWheelhouseCommand(ctx: CommandContext, o: { out: string }): Promise<number> {
  const config = await ctx.config();
  await readFreshLock(config);
  const out = path.resolve(ctx.cwd, o.out);
  const toolOpts = pythonToolOptions(ctx);
  ctx.out.step(`downloading the locked wheels for Python ${config.airflow.python} on ${config.image.platform} into ${path.relative(ctx.cwd, out) || out}`);
  const tools = await ensurePythonTools(toolOpts);
  const { files: n, sdists } = await downloadWheelhouse(tools, projectPaths(config).lockFile, { python: config.airflow.python, platform: config.image.platform }, out, toolOpts);
  if (sdists.length) {
    ctx.out.warn(`${sdists.length} packages have no wheel for this platform and are built in the builder stage (pure Python only: the image has no compiler): ${sdists.join(', ')}`);
  }
  ctx.out.data(path.relative(ctx.cwd, out) || out);
  ctx.out.success(`${n} files in the wheelhouse; build with \`airflow-aws image build --wheelhouse ${path.relative(ctx.cwd, out) || out}\``);
  return 0;
}
