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
    return {
      summary: 'build the image from the lock and push it to the stack\'s ECR repository, unless that content tag is already there',
      changes: true,
      details: ['the tag is a hash of the lock, the base image and the DAGs: an unchanged project pushes nothing'],
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
