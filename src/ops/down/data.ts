/**
 * Step 5 of `down`, only with --delete-data: the bucket (logs, DAG bundles; every object version and delete marker)
 * and the image repository (every image), which the stack retains on purpose. Runs after the stack is gone, so
 * nothing that still writes to them is left. The database's final snapshot is never deleted here.
 */
import { awsUserError } from '../../adapters/aws/errors.js';
import { deleteBucket, deleteRepository, findRetained } from '../../adapters/aws/teardown.js';
import { unchanged, type Step } from '../steps.js';
import { awsTarget, type DownContext } from './context.js';

export const dataStep: Step<DownContext> = {
  id: 'data',
  title: 'Data (the retained bucket and image repository)',

  async describe(ctx) {
    const r = await retained(ctx);
    const what = [...(r.bucket ? [`bucket ${r.bucket}`] : []), ...(r.repository ? [`repository ${r.repository.name} (${r.repository.images} images)`] : [])];
    if (what.length === 0) return unchanged('no retained bucket or repository');
    if (!ctx.deleteData) return unchanged(`kept: ${what.join(', ')} (--delete-data deletes them)`);
    return { summary: `delete ${what.join(' and ')}`, changes: true, details: [], dangers: what.map((w) => `deletes ${w} with everything in it`) };
  },

  async run(ctx, report) {
    if (!ctx.deleteData) return { changed: false, summary: 'kept (no --delete-data)' };
    const r = await retained(ctx);
    const done: string[] = [];
    if (r.bucket) {
      const bucket = r.bucket;
      report.progress(`emptying bucket ${bucket}`);
      const n = await deleteBucket(awsTarget(ctx), bucket, (deleted) => report.progress(`deleted ${deleted} object versions from ${bucket}`)).catch((e: unknown) => {
        throw awsUserError(e, { action: `deleting bucket ${bucket}`, region: ctx.region });
      });
      done.push(`bucket ${bucket} (${n} object versions)`);
    }
    if (r.repository) {
      const name = r.repository.name;
      await deleteRepository(awsTarget(ctx), name).catch((e: unknown) => {
        throw awsUserError(e, { action: `deleting repository ${name}`, region: ctx.region });
      });
      done.push(`repository ${name} (${r.repository.images} images)`);
    }
    return { changed: done.length > 0, summary: done.length === 0 ? 'nothing to delete' : `deleted ${done.join(', ')}` };
  },
};

function retained(ctx: DownContext) {
  return findRetained(awsTarget(ctx), ctx.config).catch((e: unknown) => {
    throw awsUserError(e, { action: 'looking for the retained bucket, repository and keys', region: ctx.region });
  });
}
