/**
 * Planning a DAG upload: the difference between the local DAG folder and the S3 bundle, decided from content
 * digests alone. Pure; the adapter lists the bucket and hashes the files, ../ops/dags runs the steps.
 *
 * Why per file: the pinned amazon provider (9.39.0, in the image lock) has no single-archive form of
 * S3DagBundle (`archive_key` arrived later), so the bundle is one object per file. To keep a reader from seeing
 * a half-removed folder, new and changed files go up first and removed files are deleted last.
 */
import { createHash } from 'node:crypto';
import { EXIT_BAD_INPUT, UserError } from '../errors/user-error.js';

/**
 * Largest file `dags deploy` uploads. Every task pod downloads the whole bundle before it starts (S3 bundles are
 * re-synced per task), so data files do not belong here; a DAG or helper module is kilobytes.
 */
export const MAX_DAG_FILE_BYTES = 5 * 1024 * 1024;

/** Bumped when the manifest's meaning changes; an unknown format is treated as no manifest (everything re-uploads). */
export const MANIFEST_FORMAT = 1;

export interface LocalFile {
  /** Relative path with forward slashes, e.g. `etl/daily.py`. */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

export interface RemoteObject {
  /** Relative to the bundle prefix. */
  readonly path: string;
  readonly size: number;
}

/** What the last `dags deploy` uploaded: the live version of the bundle. */
export interface BundleManifest {
  readonly format: number;
  /** sha256 over the sorted (path, file sha256) pairs: equal folders have equal hashes. */
  readonly contentHash: string;
  readonly uploadedAt: string;
  /** The caller's IAM ARN. */
  readonly uploadedBy: string;
  readonly files: Readonly<Record<string, { readonly sha256: string; readonly size: number }>>;
}

export interface UploadPlan {
  readonly added: readonly LocalFile[];
  readonly changed: readonly LocalFile[];
  /** Paths relative to the prefix. */
  readonly removed: readonly string[];
  readonly unchanged: number;
  readonly contentHash: string;
}

export function contentHash(files: readonly Pick<LocalFile, 'path' | 'sha256'>[]): string {
  const pairs = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => [f.path, f.sha256]);
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex');
}

/** Refuses files over MAX_DAG_FILE_BYTES, naming each one (exit 2, nothing uploaded). */
export function checkSizes(local: readonly LocalFile[], folder: string, limit = MAX_DAG_FILE_BYTES): void {
  const big = local.filter((f) => f.size > limit);
  if (big.length === 0) return;
  throw new UserError(`${big.length} file(s) in ${folder} exceed the ${mib(limit)} limit of a DAG bundle file`, {
    code: 'DAG_FILE_TOO_LARGE',
    exitCode: EXIT_BAD_INPUT,
    details: big.map((f) => `${folder}/${f.path}: ${mib(f.size)}`),
    hint: 'every task pod downloads the whole bundle: move data files out of the DAG folder and read them from S3 in the task',
  });
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * The upload plan. A file is unchanged only when the manifest records the same digest and the object in the bucket
 * has the same size; anything else (no manifest, an object changed behind our back) uploads again — a spurious
 * upload is cheap, a skipped one would leave old code running.
 */
export function planUpload(local: readonly LocalFile[], remote: readonly RemoteObject[], manifest: BundleManifest | undefined): UploadPlan {
  const known = manifest?.format === MANIFEST_FORMAT ? manifest.files : {};
  const remoteByPath = new Map(remote.map((o) => [o.path, o]));
  const localPaths = new Set(local.map((f) => f.path));
  const added: LocalFile[] = [];
  const changed: LocalFile[] = [];
  let unchanged = 0;
  for (const f of [...local].sort(byPath)) {
    const obj = remoteByPath.get(f.path);
    if (!obj) added.push(f);
    else if (known[f.path]?.sha256 === f.sha256 && obj.size === f.size) unchanged++;
    else changed.push(f);
  }
  const removed = remote
    .map((o) => o.path)
    .filter((p) => !localPaths.has(p))
    .sort();
  return { added, changed, removed, unchanged, contentHash: contentHash(local) };
}

export function planIsEmpty(p: UploadPlan): boolean {
  return p.added.length === 0 && p.changed.length === 0 && p.removed.length === 0;
}

export function manifestFor(local: readonly LocalFile[], uploadedBy: string, now: Date): BundleManifest {
  return {
    format: MANIFEST_FORMAT,
    contentHash: contentHash(local),
    uploadedAt: now.toISOString(),
    uploadedBy,
    files: Object.fromEntries([...local].sort(byPath).map((f) => [f.path, { sha256: f.sha256, size: f.size }])),
  };
}

/** A manifest read back from the bucket, or undefined when it is not one of ours (never throws on bad JSON). */
export function parseManifest(text: string | undefined): BundleManifest | undefined {
  if (!text) return undefined;
  try {
    const m = JSON.parse(text) as Partial<BundleManifest>;
    if (m.format !== MANIFEST_FORMAT || typeof m.contentHash !== 'string' || typeof m.files !== 'object' || !m.files) return undefined;
    return m as BundleManifest;
  } catch {
    return undefined;
  }
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
