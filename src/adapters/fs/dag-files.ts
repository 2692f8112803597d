/**
 * The DAG folder as files with digests, for `dags deploy`: the same walk (and the same skipped caches) as the
 * image's content hash, so the image and the bundle agree on what "the DAG folder" is.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocalFile } from '../../dags/plan.js';
import { listFiles } from './image-context.js';

export async function readDagFiles(dir: string): Promise<LocalFile[]> {
  const out: LocalFile[] = [];
  for (const rel of await listFiles(dir)) {
    const data = await readFile(path.join(dir, rel));
    out.push({ path: rel, sha256: createHash('sha256').update(data).digest('hex'), size: data.length });
  }
  return out;
}

export async function readDagFile(dir: string, rel: string): Promise<Buffer> {
  return readFile(path.join(dir, rel));
}
