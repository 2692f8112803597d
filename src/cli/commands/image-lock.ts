/** `image lock`: resolve Airflow + providers + the user's requirements into the hashed lock file. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compileLock, ensurePythonTools } from '../../adapters/proc/python-tools.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { lockedPins, lockRequest, parseLockHeader, renderLockFile, type Platform } from '../../image/lock.js';
import type { CommandContext } from '../context.js';
import { projectPaths, pythonToolOptions, readRequirements } from './image-common.js';

export interface ImageLockOptions {
  readonly platform?: string;
  readonly check?: boolean;
  readonly json?: boolean;
}

const PLATFORMS: readonly Platform[] = ['linux/amd64', 'linux/arm64'];

export async function imageLockCommand(ctx: CommandContext, o: ImageLockOptions): Promise<number> {
  const config = await ctx.config();
  if (o.platform !== undefined && !PLATFORMS.includes(o.platform as Platform)) {
    throw new UserError(`unknown platform ${o.platform}`, { code: 'BAD_FLAG', exitCode: EXIT_BAD_INPUT, hint: `use one of ${PLATFORMS.join(', ')}` });
  }
  if (o.platform !== undefined && o.platform !== config.image.platform) {
    // The lock's header records the platform; a build checks it against image.platform, so say so up front.
    ctx.out.warn(`locking for ${o.platform} while image.platform is ${config.image.platform}: builds will call this lock stale until image.platform matches`);
  }
  const paths = projectPaths(config);
  const req = lockRequest(config, await readRequirements(paths.requirements), o.platform as Platform | undefined);
  const rel = path.relative(ctx.cwd, paths.lockFile) || paths.lockFile;

  const existing = await readFile(paths.lockFile, 'utf8').catch(() => undefined);
  const header = existing ? parseLockHeader(existing) : undefined;
  if (o.check) {
    const fresh = header?.inputsHash === req.inputsHash;
    if (o.json) ctx.out.dataJson({ lockFile: rel, fresh, inputsHash: req.inputsHash });
    else ctx.out.data(fresh ? `${rel} is up to date` : `${rel} is ${existing ? 'stale' : 'missing'}`);
    return fresh ? 0 : 1;
  }

  ctx.out.step(`resolving apache-airflow[${req.extras.join(',')}]==${req.airflowVersion} for Python ${req.python} on ${req.platform}`);
  const started = Date.now();
  const toolOpts = pythonToolOptions(ctx);
  const tools = await ensurePythonTools(toolOpts);
  const compiled = await compileLock(tools, req, toolOpts);
  const text = renderLockFile(req, compiled);
  await writeFile(paths.lockFile, text);
  const pins = lockedPins(text);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (o.json) {
    ctx.out.dataJson({ lockFile: rel, inputsHash: req.inputsHash, airflow: req.airflowVersion, python: req.python, platform: req.platform, packages: pins.size });
  } else {
    ctx.out.data(rel);
  }
  ctx.out.success(`locked ${pins.size} packages (apache-airflow ${pins.get('apache-airflow') ?? '?'}) in ${seconds}s → ${rel}; commit it`);
  return 0;
}
