/**
 * Step 3 of `up`: the Airflow image in the stack's registry. Tags are content hashes of the lock, so "already
 * there" means "the same image" and nothing is built or pushed. --image REF skips the build entirely.
 */
import { STACK_OUTPUTS } from '../../config/naming.js';
import { UserError } from '../../errors/user-error.js';
import { unchanged, type Step } from '../steps.js';
import type { UpContext } from './context.js';

export const imageStep: Step<UpContext> = {
  id: 'image',
  title: 'Image (build from the lock, push to ECR)',

  async describe(ctx) {
    if (ctx.image) return unchanged(`use ${ctx.image} (--image)`);
    const repositoryUri = ctx.found.outputs?.[STACK_OUTPUTS.repositoryUri];
    const why = 'the tag is a hash of the lock, the base image, the DAGs and the plugins: it changes exactly when one of them does';
    const now = await ctx.imageInRegistry().catch((e: unknown) => e);
    if (now instanceof Error || !('tag' in (now as object))) {
      const reason = UserError.is(now) ? now.message : String(now);
      return { summary: `build the image and push it to the stack's registry (its tag is unknown: ${reason})`, changes: true, details: [why], dangers: [] };
    }
    const { tag, digest } = now as { tag: string; digest?: string };
    if (repositoryUri && digest) {
      ctx.found.image = `${repositoryUri}@${digest}`;
      return unchanged(`no changes (${repositoryUri}:${tag} is in the registry)`);
    }
    return {
      summary: `build ${tag} and push it to ${repositoryUri ?? "the stack's registry"}`,
      changes: true,
      details: [`${tag} is not in the registry yet: ${why}`],
      dangers: [],
    };
  },

  async run(ctx, report) {
    if (ctx.image) {
      ctx.found.image = ctx.image;
      return { changed: false, summary: `using ${ctx.image}` };
    }
    const repositoryUri = ctx.found.outputs?.[STACK_OUTPUTS.repositoryUri];
    if (!repositoryUri) throw new UserError('the stack has no RepositoryUri output', { code: 'STACK_OUTPUT_MISSING', hint: 'run up again' });
    report.progress(`building and pushing to ${repositoryUri}`);
    const r = await ctx.publishImage(repositoryUri);
    ctx.found.image = r.image;
    return { changed: r.pushed, summary: r.pushed ? `pushed ${r.image}` : `no changes (${r.image} is in the registry)` };
  },
};
