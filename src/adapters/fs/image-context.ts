/**
 * File-system side of the image: the packaged helper files (docker/ in this package), content digests of the
 * project's DAG and plugin folders, and assembly of a build context directory from them.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { BUILDER_ASSETS, CONTEXT, IMAGE_ASSETS, type ContentEntry } from '../../image/plan.js';

/** `docker/` at the package root (dist/src/adapters/fs → ../../../../docker, src/adapters/fs → ../../../docker). */
export function packagedDockerDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../docker', '../../../../docker']) {
    const dir = path.resolve(here, up);
    if (existsSync(path.join(dir, 'entrypoint.sh'))) return dir;
  }
  throw new Error(`packaged docker/ folder not found from ${here}`);
}

export interface ImageAsset {
  /** Path inside the build context. */
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

async function readAssets(list: readonly { source: string; context: string; mode: number }[]): Promise<ImageAsset[]> {
  const dir = packagedDockerDir();
  return Promise.all(list.map(async (a) => ({ path: a.context, content: await readFile(path.join(dir, a.source), 'utf8'), mode: a.mode })));
}

/** The files of the runtime image (entrypoint and helpers). */
export async function readImageAssets(): Promise<ImageAsset[]> {
  return readAssets(IMAGE_ASSETS);
}

/** The files the builder image uses (never copied into the runtime image). */
export async function readBuilderAssets(): Promise<ImageAsset[]> {
  return readAssets(BUILDER_ASSETS);
}

/** Skipped when hashing and copying DAG/plugin folders: caches Python writes next to the sources. */
function ignored(name: string): boolean {
  return name === '__pycache__' || name.endsWith('.pyc') || name === '.DS_Store';
}

/** Relative file paths (forward slashes) under `dir`, sorted; [] when `dir` does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const entry of (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (ignored(entry.name)) continue;
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      const st = await stat(path.join(dir, r));
      if (st.isDirectory()) await walk(r);
      else if (st.isFile()) out.push(r);
    }
  };
  await walk('');
  return out;
}

/** Digests of every file under `dir`, with `prefix/` prepended to the paths. */
export async function digestTree(dir: string, prefix: string): Promise<ContentEntry[]> {
  const entries: ContentEntry[] = [];
  for (const rel of await listFiles(dir)) {
    const full = path.join(dir, rel);
    const [data, st] = await Promise.all([readFile(full), stat(full)]);
    entries.push({ path: `${prefix}/${rel}`, sha256: createHash('sha256').update(data).digest('hex'), mode: st.mode });
  }
  return entries;
}

export function digestAssets(assets: readonly ImageAsset[]): ContentEntry[] {
  return assets.map((a) => ({ path: a.path, sha256: createHash('sha256').update(a.content).digest('hex'), mode: a.mode }));
}

async function copyTree(from: string, to: string, hardlink: boolean): Promise<number> {
  let n = 0;
  await mkdir(to, { recursive: true });
  for (const rel of await listFiles(from)) {
    const target = path.join(to, rel);
    await mkdir(path.dirname(target), { recursive: true });
    if (hardlink) {
      try {
        await link(path.join(from, rel), target);
        n++;
        continue;
      } catch {
        // another file system: copy instead
      }
    }
    await copyFile(path.join(from, rel), target);
    n++;
  }
  return n;
}

/**
 * A build context: the builder's (lock, its assets, wheelhouse, CA bundle) or the runtime's (assets, plugins, DAGs).
 * Only what the Dockerfile copies goes in: the legacy builder sends the whole directory on every build.
 */
export interface ContextRequest {
  readonly dockerfile: string;
  readonly lockText?: string;
  readonly assets: readonly ImageAsset[];
  /** The DAG folder; absent when DAGs come from a bundle and stay out of the image. */
  readonly dagsDir?: string;
  readonly pluginsDir?: string;
  readonly wheelhouseDir?: string;
  readonly caBundleFile?: string;
}

/** Assemble a build context in a fresh temp directory; the caller removes it with `rm`. */
export async function assembleContext(req: ContextRequest): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-image-'));
  try {
    await writeFile(path.join(dir, 'Dockerfile'), req.dockerfile);
    if (req.lockText !== undefined) await writeFile(path.join(dir, CONTEXT.lock), req.lockText);
    for (const a of req.assets) {
      const target = path.join(dir, a.path);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, a.content);
      await chmod(target, a.mode);
    }
    if (req.dagsDir) await copyTree(req.dagsDir, path.join(dir, CONTEXT.dags), false);
    if (req.pluginsDir) await copyTree(req.pluginsDir, path.join(dir, CONTEXT.plugins), false);
    if (req.wheelhouseDir) {
      const n = await copyTree(req.wheelhouseDir, path.join(dir, CONTEXT.wheels), true);
      if (n === 0) {
        throw new UserError(`the wheelhouse ${req.wheelhouseDir} is empty`, {
          code: 'WHEELHOUSE_EMPTY',
          exitCode: EXIT_BAD_INPUT,
          hint: 'fill it with `airflow-aws image wheelhouse --out DIR` on a machine that can reach PyPI',
        });
      }
    }
    if (req.caBundleFile) {
      const target = path.join(dir, CONTEXT.caBundle);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(req.caBundleFile, target);
    }
    return dir;
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Read a file the user named on the command line, with a clear error. */
export async function readUserFile(file: string, what: string, hint: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${what} ${file}`, { code: 'FILE_NOT_FOUND', exitCode: EXIT_BAD_INPUT, hint, cause: e });
  }
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory() || (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
