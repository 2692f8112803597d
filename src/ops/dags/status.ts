/**
 * `dags status`: the live version of the S3 bundle (the manifest of the last `dags deploy`, checked against what is
 * really in the bucket) and the import errors Airflow reports for the bundle, as `file:line: message`.
 */
import type { AirflowApi } from '../../adapters/airflow-api.js';
import { BUNDLE_NAMES } from '../../dags/bundle.js';
import { parseManifest } from '../../dags/plan.js';
import { formatProblem, importProblem } from '../../dev/parse.js';
import { dagsFolder, openBundleStore, requireS3Source, type DagsTarget } from './deploy.js';

export interface DagsStatus {
  readonly bucket: string;
  readonly prefix: string;
  readonly live?: { readonly contentHash: string; readonly uploadedAt: string; readonly uploadedBy: string; readonly files: number };
  /** Files the manifest lists that are not in the bucket, and objects it does not list (a deploy that failed half way). */
  readonly drift: { readonly missing: readonly string[]; readonly unlisted: readonly string[] };
  /** `dags/broken.py:3: SyntaxError: ...`; undefined when Airflow was not asked. */
  readonly importErrors?: readonly string[];
}

export async function dagsStatus(t: DagsTarget, api: AirflowApi | undefined): Promise<DagsStatus> {
  requireS3Source(t.config);
  const store = await openBundleStore(t);
  try {
    const [remote, text] = await Promise.all([store.list(), store.readManifest()]);
    const m = parseManifest(text);
    const inBucket = new Set(remote.map((o) => o.path));
    const listed = new Set(Object.keys(m?.files ?? {}));
    const importErrors = api ? await bundleImportErrors(api, t) : undefined;
    return {
      bucket: store.bucket,
      prefix: store.prefix,
      ...(m ? { live: { contentHash: m.contentHash, uploadedAt: m.uploadedAt, uploadedBy: m.uploadedBy, files: listed.size } } : {}),
      drift: { missing: [...listed].filter((p) => !inBucket.has(p)).sort(), unlisted: [...inBucket].filter((p) => !listed.has(p)).sort() },
      ...(importErrors ? { importErrors } : {}),
    };
  } finally {
    store.destroy();
  }
}

/** Airflow 3 reports a file relative to its bundle; the traceback names the bundle's local copy, so match by suffix. */
async function bundleImportErrors(api: AirflowApi, t: DagsTarget): Promise<string[]> {
  const errors = await api.importErrors();
  return errors
    .filter((e) => e['bundle_name'] === undefined || e['bundle_name'] === BUNDLE_NAMES.s3)
    .map((e) => formatProblem(importProblem(e.filename, e.stack_trace, dagsFolder(t.config)), t.displayFolder))
    .sort();
}
