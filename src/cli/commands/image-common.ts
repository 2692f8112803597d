/**
 * What `image build` and `image push` share: reading the lock (and refusing a stale one), the packaged helper
 * files, the project's DAGs and plugins, and from those the content-hash tag. Same inputs → same tag, so `push`
 * finds what `build` made without any state file.
 */
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { digestAssets, digestTree, readBuilderAssets, readImageAssets, type ImageAsset } from '../../adapters/fs/image-context.js';
import type { PythonToolsOptions } from '../../adapters/proc/python-tools.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { reportWait } from '../../dev/build-lock.js';
import { cacheDir } from '../../dev/paths.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { assertLockFresh, lockRequest, type LockRequest } from '../../image/lock.js';
import { builderRepository, builderTag, contentTag, imageInputs, type ImageInputs } from '../../image/plan.js';
import type { CommandContext } from '../context.js';

export interface ProjectPaths {
  readonly lockFile: string;
  readonly requirements: string;
  readonly dagsDir: string;
  readonly pluginsDir: string;
}

export function projectPaths(config: ResolvedConfig): ProjectPaths {
  const p = (rel: string) => path.resolve(config.projectDir, rel);
  return {
    lockFile: p(config.image.lockFile),
    requirements: p(config.image.requirements),
    dagsDir: p(config.image.dagsDir),
    pluginsDir: p(config.image.pluginsDir),
  };
}

/** The user's requirements.txt, or '' when the project has none (it is optional). */
export async function readRequirements(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

export async function currentLockRequest(config: ResolvedConfig): Promise<LockRequest> {
  return lockRequest(config, await readRequirements(projectPaths(config).requirements));
}

/** The lock text, after checking it matches the config and requirements (LOCK_STALE otherwise). */
export async function readFreshLock(config: ResolvedConfig): Promise<string> {
  const paths = projectPaths(config);
  const rel = path.relative(config.projectDir, paths.lockFile) || paths.lockFile;
  let text: string;
  try {
    text = await readFile(paths.lockFile, 'utf8');
  } catch {
    throw new UserError(`no lock file at ${rel}`, {
      code: 'LOCK_MISSING',
      exitCode: EXIT_BAD_INPUT,
      hint: 'run `airflow-aws image lock` (needs PyPI access) and commit the file',
    });
  }
  assertLockFresh(text, await currentLockRequest(config), rel);
  return text;
}

export interface PreparedImage {
  readonly inputs: ImageInputs;
  readonly lockText: string;
  readonly assets: readonly ImageAsset[];
  readonly builderAssets: readonly ImageAsset[];
  readonly paths: ProjectPaths;
  /** `<repository>-builder:<hash of the builder's inputs>`: the local image holding the virtualenv. */
  readonly builderRef: string;
  readonly tag: string;
  /** Local repository name (the ECR repository name). */
  readonly repository: string;
  /** `repository:tag` */
  readonly ref: string;
}

export async function prepareImage(config: ResolvedConfig, baseImageOverride?: string): Promise<PreparedImage> {
  const lockText = await readFreshLock(config);
  const paths = projectPaths(config);
  const [assets, builderAssets] = await Promise.all([readImageAssets(), readBuilderAssets()]);
  const inputs = imageInputs(config, baseImageOverride);
  const repository = config.registry.repositoryName;
  const builderRef = `${builderRepository(repository)}:${builderTag(inputs, lockText, digestAssets(builderAssets))}`;
  const files = [
    ...digestAssets(assets),
    ...(inputs.dagsInImage ? await digestTree(paths.dagsDir, 'dags') : []),
    ...(await digestTree(paths.pluginsDir, 'plugins')),
  ];
  const tag = contentTag(inputs, builderRef, files);
  return { inputs, lockText, assets, builderAssets, paths, builderRef, tag, repository, ref: `${repository}:${tag}` };
}

function machineCacheDir(): string {
  return cacheDir(process.env, os.homedir());
}

/** The host's Python tools (`image lock`, `image wheelhouse`) in the machine cache, reporting through the command. */
export function pythonToolOptions(ctx: CommandContext): PythonToolsOptions {
  return { cacheDir: machineCacheDir(), signal: ctx.signal, onLine: (l) => ctx.out.debug(l), onWait: (w) => reportWait(ctx.out, w) };
}
