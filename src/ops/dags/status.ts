/**
 * `dags status`: the live version of the S3 bundle (the manifest of the last `dags deploy`, checked against what is
 * really in the bucket) and the import errors Airflow reports for the bundle, as `file:line: message`.
 */
import { bundleProblemLines } from '../../dags/import-errors.js';
import { parseManifest } from '../../dags/plan.js';
import { UserError } from '../../errors/user-error.js';
import { dagsFolder, openBundleStore, requireS3Source, type DagsTarget } from './deploy.js';
import type { ImportErrorsRead } from './import-errors.js';

export interface DagsStatus {
  readonly bucket: string;
  readonly prefix: string;
  readonly live?: { readonly contentHash: string; readonly uploadedAt: string; readonly uploadedBy: string; readonly files: number };
  /** Files the manifest lists that are not in the bucket, and objects it does not list (a deploy that failed half way). */
  readonly drift: { readonly missing: readonly string[]; readonly unlisted: readonly string[] };
  /** `dags/broken.py:3: SyntaxError: ...`; undefined when Airflow could not be asked. */
  readonly importErrors?: readonly string[];
  /** Where they were read: "pod airflow/airflow-api-server-…". */
  readonly importErrorsFrom?: string;
  /** Why they were not read (no cluster, no ready pod, the command failed), with what to do next. */
  readonly importErrorsNotRead?: { readonly reason: string; readonly details?: readonly string[]; readonly hint?: string };
}

/**
 * `readImportErrors` asks Airflow (a cluster pod, or the local API). A failure there that is an operation's, not
 * the user's input (exit 1: unreachable, no ready pod, no cluster in the stack) does not hide the bucket's part:
 * it is reported as the reason the errors were not read. Bad input (a wrong --kube-context, exit 2) still fails.
 */
export async function dagsStatus(t: DagsTarget, readImportErrors: () => Promise<ImportErrorsRead>): Promise<DagsStatus> {
  requireS3Source(t.config);
  const store = await openBundleStore(t);
  try {
    const [remote, text, read] = await Promise.all([store.list(), store.readManifest(), readImportErrors().catch(notRead)]);
    const m = parseManifest(text);
    const inBucket = new Set(remote.map((o) => o.path));
    const listed = new Set(Object.keys(m?.files ?? {}));
    return {
      bucket: store.bucket,
      prefix: store.prefix,
      ...(m ? { live: { contentHash: m.contentHash, uploadedAt: m.uploadedAt, uploadedBy: m.uploadedBy, files: listed.size } } : {}),
      drift: { missing: [...listed].filter((p) => !inBucket.has(p)).sort(), unlisted: [...inBucket].filter((p) => !listed.has(p)).sort() },
      ...('errors' in read
        ? { importErrors: bundleProblemLines(read.errors, dagsFolder(t.config), t.displayFolder), importErrorsFrom: read.where }
        : { importErrorsNotRead: read }),
    };
  } finally {
    store.destroy();
  }
}

function notRead(e: unknown): NonNullable<DagsStatus['importErrorsNotRead']> {
  if (!UserError.is(e) || e.exitCode !== 1) throw e;
  return { reason: e.message, ...(e.details.length > 0 ? { details: e.details } : {}), ...(e.hint ? { hint: e.hint } : {}) };
}
