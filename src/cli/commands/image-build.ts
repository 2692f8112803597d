/**
 * `image build`: render the Dockerfiles and build contexts from the config and the (fresh) lock, and build them with
 * the Docker CLI: first the builder image (the virtualenv; only when no image has its tag, i.e. once per lock, base
 * and platform), then the runtime image from a context of entrypoint, plugins and DAGs only. Both tags are content
 * hashes, so an unchanged project is not rebuilt and a DAG edit never sends the lock or the wheelhouse.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DockerCli } from '../../adapters/docker/docker-cli.js';
import { assembleContext, isDirectory, readUserFile } from '../../adapters/fs/image-context.js';
import { runProcess } from '../../adapters/proc/run-process.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { buildArgs, renderBuilderDockerfile, renderRuntimeDockerfile } from '../../image/plan.js';
import type { CommandContext } from '../context.js';
import { prepareImage } from './image-common.js';

export interface ImageBuildOptions {
  readonly wheelhouse?: string;
  readonly caBundle?: string;
  readonly baseImage?: string;
  readonly tag?: readonly string[];
  readonly force?: boolean;
  readonly json?: boolean;
}

export interface ImageBuildResult {
  readonly image: string;
  readonly tag: string;
  readonly id: string;
  readonly sizeBytes: number;
  readonly builder: 'buildkit' | 'legacy';
  readonly built: boolean;
  /** The builder image (virtualenv) used, and whether this run built it. */
  readonly builderImage: string;
  readonly builderBuilt: boolean;
  readonly seconds: number;
}

/** `git rev-parse HEAD` (+ "-dirty" with uncommitted changes) of the project, or undefined outside git. */
export async function sourceRevision(dir: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const head = await runProcess('git', ['-C', dir, 'rev-parse', 'HEAD'], signal ? { signal } : {});
    if (head.exitCode !== 0) return undefined;
    const status = await runProcess('git', ['-C', dir, 'status', '--porcelain'], signal ? { signal } : {});
    return `${head.stdout.trim()}${status.exitCode === 0 && status.stdout.trim() ? '-dirty' : ''}`;
  } catch {
    return undefined;
  }
}

export async function buildImage(ctx: CommandContext, o: ImageBuildOptions): Promise<ImageBuildResult> {
  const started = Date.now();
  const config = await ctx.config();
  const prepared = await prepareImage(config, o.baseImage);
  const wheelhouse = o.wheelhouse ? path.resolve(ctx.cwd, o.wheelhouse) : undefined;
  if (wheelhouse && !(await isDirectory(wheelhouse))) {
    throw new UserError(`the wheelhouse ${o.wheelhouse} is not a directory`, {
      code: 'WHEELHOUSE_MISSING',
      exitCode: EXIT_BAD_INPUT,
      hint: 'create it with `airflow-aws image wheelhouse --out DIR`',
    });
  }
  const caBundle = o.caBundle ? path.resolve(ctx.cwd, o.caBundle) : undefined;
  if (caBundle) {
    const pem = await readUserFile(caBundle, 'CA bundle', 'pass a PEM file with the CA certificates of your proxy');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new UserError(`${o.caBundle} holds no PEM certificate`, { code: 'CA_BUNDLE_INVALID', exitCode: EXIT_BAD_INPUT });
    }
  }
  const docker = new DockerCli({ signal: ctx.signal });
  const engine = await docker.detect();
  ctx.out.debug(`docker client ${engine.clientVersion}, engine ${engine.serverVersion} (${engine.serverPlatform}), builder: ${engine.builder}`);
  const extraTags = (o.tag ?? []).map((t) => (t.includes(':') ? t : `${prepared.repository}:${t}`));

  if (!o.force && (await docker.imageExists(prepared.ref))) {
    for (const t of extraTags) await docker.tag(prepared.ref, t);
    const info = await docker.inspectImage(prepared.ref);
    ctx.out.success(`${prepared.ref} is already built (same config, lock, DAGs and plugins); --force rebuilds`);
    return {
      image: prepared.ref,
      tag: prepared.tag,
      id: info.id,
      sizeBytes: info.size,
      builder: engine.builder,
      built: false,
      builderImage: prepared.builderRef,
      builderBuilt: false,
      seconds: (Date.now() - started) / 1000,
    };
  }
  const onLine = (l: string) => (ctx.out.verbose ? ctx.out.info(ctx.out.paint('2', l)) : progressLine(ctx, l));

  // The builder image: the only build that needs the lock, the wheelhouse or the CA bundle.
  const builderBuilt = Boolean(o.force) || !(await docker.imageExists(prepared.builderRef));
  if (builderBuilt) {
    const builderContext = await assembleContext({
      dockerfile: renderBuilderDockerfile(prepared.inputs, { wheelhouse: Boolean(wheelhouse), caBundle: Boolean(caBundle) }),
      lockText: prepared.lockText,
      assets: prepared.builderAssets,
      ...(wheelhouse ? { wheelhouseDir: wheelhouse } : {}),
      ...(caBundle ? { caBundleFile: caBundle } : {}),
    });
    try {
      ctx.out.step(
        `building the virtualenv ${prepared.builderRef} from ${prepared.inputs.baseImage} (${engine.builder} builder${wheelhouse ? ', offline from the wheelhouse' : ''})`,
      );
      await docker.build({
        contextDir: builderContext,
        tags: [prepared.builderRef],
        buildArgs: { BASE_IMAGE: prepared.inputs.baseImage },
        platform: prepared.inputs.platform,
        builder: engine.builder,
        onLine,
      });
    } finally {
      await rm(builderContext, { recursive: true, force: true });
    }
  } else {
    ctx.out.debug(`virtualenv ${prepared.builderRef} is already built (same lock, base image and platform)`);
  }

  const contextDir = await assembleContext({
    dockerfile: renderRuntimeDockerfile(prepared.inputs),
    assets: prepared.assets,
    ...(prepared.inputs.dagsInImage ? { dagsDir: prepared.paths.dagsDir } : {}),
    pluginsDir: prepared.paths.pluginsDir,
  });
  try {
    ctx.out.step(`building ${prepared.ref} (${engine.builder} builder)`);
    const revision = await sourceRevision(config.projectDir, ctx.signal);
    await docker.build({
      contextDir,
      tags: [prepared.ref, ...extraTags],
      buildArgs: buildArgs(prepared.inputs, prepared.builderRef, prepared.tag, revision),
      platform: prepared.inputs.platform,
      builder: engine.builder,
      onLine,
    });
  } finally {
    await rm(contextDir, { recursive: true, force: true });
  }
  const info = await docker.inspectImage(prepared.ref);
  const seconds = (Date.now() - started) / 1000;
  ctx.out.success(`built ${prepared.ref} (${(info.size / 1e6).toFixed(0)} MB) in ${seconds.toFixed(1)}s`);
  return {
    image: prepared.ref,
    tag: prepared.tag,
    id: info.id,
    sizeBytes: info.size,
    builder: engine.builder,
    built: true,
    builderImage: prepared.builderRef,
    builderBuilt,
    seconds,
  };
}

/** Without --verbose, only the step headers stream (the full output is in the error when a step fails). */
function progressLine(ctx: CommandContext, line: string): void {
  if (/^Step \d+\/\d+ :/.test(line) || /^#\d+ \[/.test(line)) ctx.out.info(ctx.out.paint('2', `  ${line.slice(0, 160)}`));
}

export async function imageBuildCommand(ctx: CommandContext, o: ImageBuildOptions): Promise<number> {
  const r = await buildImage(ctx, o);
  if (o.json) ctx.out.dataJson(r);
  else ctx.out.data(r.image);
  return 0;
}
