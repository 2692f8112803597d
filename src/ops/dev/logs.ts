/** `dev logs [COMPONENT] [-f]`: component output (native: the supervisor's log files; Docker: `docker logs`). */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DockerCli } from '../../adapters/docker/docker-cli.js';
import { readState } from '../../adapters/fs/dev-state.js';
import { pause } from '../../adapters/proc/pause.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import type { DevPaths } from '../../dev/paths.js';
import { allComponents, dockerNames, type DevComponent } from '../../dev/plan.js';
import { UserError } from '../../errors/user-error.js';
import type { DevOpContext } from './context.js';
import { pathsFor } from './project.js';

export interface LogsOptions {
  readonly follow: boolean;
  /** Lines of history per component. */
  readonly tail: number;
}

/** Streams the lines to `onLine` (prefixed with the component when there are several); with `follow`, until cancelled. */
export async function devLogs(ctx: DevOpContext, config: ResolvedConfig, component: string | undefined, o: LogsOptions, onLine: (line: string) => void): Promise<void> {
  const paths = pathsFor(config);
  const known = allComponents(config.airflowMajor);
  if (component !== undefined && !known.includes(component as DevComponent)) {
    throw new UserError(`unknown component "${component}"`, { code: 'BAD_ARGUMENT', exitCode: 2, hint: `one of: ${known.join(', ')}` });
  }
  const state = await readState(paths);
  if (state?.mode === 'docker') return dockerLogs(new DockerCli({ signal: ctx.signal }), config.name, component as DevComponent | undefined, o, onLine);
  return fileLogs(ctx.signal, paths, component ? [component] : [...known], o, onLine);
}

const prefixed = (many: boolean, name: string, line: string) => (many ? `${name.padEnd(13)} | ${line}` : line);

async function dockerLogs(docker: DockerCli, projectName: string, component: DevComponent | undefined, o: LogsOptions, onLine: (line: string) => void): Promise<void> {
  const names = dockerNames(projectName);
  const targets = component ? [component] : allComponents(3);
  if (o.follow && targets.length > 1) {
    throw new UserError('-f follows one component in Docker mode', { code: 'BAD_FLAG', exitCode: 2, hint: 'e.g. `airflow-aws dev logs scheduler -f`' });
  }
  for (const c of targets) await docker.logs(names.container(c), { tail: o.tail, follow: o.follow, onLine: (l) => onLine(prefixed(targets.length > 1, c, l)) });
}

/** Native mode: the supervisor writes one file per component; following polls their sizes. */
async function fileLogs(signal: AbortSignal, paths: DevPaths, names: readonly string[], o: LogsOptions, onLine: (line: string) => void): Promise<void> {
  const files = names.map((n) => ({ name: n, file: path.join(paths.logsDir, `${n}.log`) })).filter((f) => existsSync(f.file));
  if (files.length === 0) {
    throw new UserError('no logs yet for this project', { code: 'DEV_NO_LOGS', hint: 'start the environment with `airflow-aws dev up`' });
  }
  const many = files.length > 1;
  for (const f of files) {
    const lines = (await readFile(f.file, 'utf8')).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const l of lines.slice(-o.tail)) onLine(prefixed(many, f.name, l));
  }
  if (!o.follow) return;
  const offsets = new Map(files.map((f) => [f.file, statSync(f.file).size]));
  const partial = new Map<string, string>();
  while (!signal.aborted) {
    for (const f of files) {
      const size = statSync(f.file).size;
      let from = offsets.get(f.file) ?? 0;
      if (size < from) from = 0; // truncated
      if (size === from) continue;
      const buf = Buffer.alloc(size - from);
      const fd = openSync(f.file, 'r');
      readSync(fd, buf, 0, buf.length, from);
      closeSync(fd);
      offsets.set(f.file, size);
      const text = (partial.get(f.file) ?? '') + buf.toString('utf8');
      const parts = text.split('\n');
      partial.set(f.file, parts.pop() ?? '');
      for (const l of parts) onLine(prefixed(many, f.name, l));
    }
    await pause(500, signal);
  }
}
