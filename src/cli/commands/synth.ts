import path from 'node:path';
import { writeArtifacts } from '../../adapters/fs/write-artifacts.js';
import { renderArtifacts } from '../../plan/artifacts.js';
import type { CommandContext } from '../context.js';

export async function synthCommand(ctx: CommandContext, o: { out: string }): Promise<number> {
  const config = await ctx.config();
  ctx.out.step(`synthesizing ${config.name} (${config.region})`);
  const artifacts = await renderArtifacts(config);
  const outDir = path.resolve(ctx.cwd, o.out);
  const written = await writeArtifacts(outDir, artifacts);
  for (const f of written) ctx.out.data(path.relative(ctx.cwd, f) || f);
  ctx.out.success(`wrote ${written.length} files to ${path.relative(ctx.cwd, outDir) || outDir}`);
  return 0;
}
