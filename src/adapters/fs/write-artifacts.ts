/** Writes rendered artifacts below a directory, refusing paths that would escape it. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Artifact } from '../../plan/artifacts.js';

export async function writeArtifacts(outDir: string, artifacts: readonly Artifact[]): Promise<string[]> {
  const root = path.resolve(outDir);
  const written: string[] = [];
  for (const a of artifacts) {
    const target = path.resolve(root, a.path);
    if (!target.startsWith(root + path.sep)) throw new Error(`artifact path escapes the output directory: ${a.path}`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, a.content);
    written.push(target);
  }
  return written;
}
