/** `airflow-aws dev logs [COMPONENT] [-f]`: component output (native: the supervisor's log files; Docker: docker logs). */
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readState } from '../../adapters/fs/dev-state.js';
import { allComponents, type DevComponent } from '../../dev/plan.js';
import { UserError } from '../../errors/user-error.js';
import type { CommandContext } from '../context.js';
import { pathsFor } from './dev-shared.js';
import { pause } from '../../adapters/proc/pause.js';

export async function devLogsCommand(ctx: CommandContext, component: string | undefined, o: { follow: boolean; tail: number }): Promise<number> {
  const config = await ctx.config();
  const paths = pathsFor(config);
  const known = allComponents(config.airflowMajor);
  if (component !== undefined && !known.includes(component as DevComponent)) {
    throw new UserError(`unknown component "${component}"`, { code: 'BAD_ARGUMENT', exitCode: 2, hint: `one of: ${known.join(', ')}` });
  }
  const { tail } = o;
  const state = await readState(paths);
  if (state?.mode === 'docker') {
    const { dockerLogs } = await import('./dev-docker.js');
    return dockerLogs(ctx, config.name, component as DevComponent | undefined, o.follow, tail);
  }
  const names = component ? [component] : [...known];
  const files = names.map((n) => ({ name: n, file: path.join(paths.logsDir, `${n}.log`) })).filter((f) => existsSync(f.file));
  if (files.length === 0) {
    throw new UserError('no logs yet for this project', { code: 'DEV_NO_LOGS', hint: 'start the environment with `airflow-aws dev up`' });
  }
  const prefix = (n: string) => (files.length > 1 ? `${n.padEnd(13)} | ` : '');
  for (const f of files) {
    const lines = (await readFile(f.file, 'utf8')).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const l of lines.slice(-tail)) ctx.out.data(`${prefix(f.name)}${l}`);
  }
  if (!o.follow) return 0;
  const offsets = new Map(files.map((f) => [f.file, statSync(f.file).size]));
  const partial = new Map<string, string>();
  while (!ctx.signal.aborted) {
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
      for (const l of parts) ctx.out.data(`${prefix(f.name)}${l}`);
    }
    await pause(500, ctx.signal);
  }
  return 0;
}
