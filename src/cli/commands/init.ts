import { access, copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../../config/json-schema.js';
import { parseConfig } from '../../config/load.js';
import { SCHEMA_FILE, starterConfig } from '../../config/starter.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import type { CommandContext } from '../context.js';

const ASSETS = fileURLToPath(new URL('../../../../assets/', import.meta.url));

export async function initCommand(
  ctx: CommandContext,
  o: { dir: string; name?: string; region: string; python?: string; force: boolean },
): Promise<number> {
  const dir = path.resolve(ctx.cwd, o.dir);
  const file = path.join(dir, 'airflow-aws.yaml');
  const name = o.name ?? defaultName(dir);
  const text = starterConfig(name, o.region, o.python ? { python: o.python } : {});
  // Validate before writing anything: a bad --name or --region must not leave a broken file behind.
  try {
    parseConfig(text, '--flags', dir);
  } catch (e) {
    const details = (e as UserError).details ?? [];
    throw new UserError('init was given an invalid name, region or Python version', {
      code: 'INIT_INVALID',
      exitCode: EXIT_BAD_INPUT,
      details: details.map((d) => d.replace(/^--flags(:\d+:\d+)?: /, '')),
      hint: 'see `airflow-aws init --help`; names are DNS-1123 labels of at most 28 characters',
    });
  }
  if (!o.force && (await exists(file))) {
    throw new UserError(`${path.relative(ctx.cwd, file) || file} already exists`, {
      code: 'INIT_EXISTS',
      exitCode: EXIT_BAD_INPUT,
      hint: 'pass --force to overwrite it (your DAGs are never overwritten)',
    });
  }
  await mkdir(path.join(dir, path.dirname(SCHEMA_FILE)), { recursive: true });
  await writeFile(path.join(dir, SCHEMA_FILE), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  await writeFile(file, text);
  const dags = path.join(dir, 'dags');
  await mkdir(dags, { recursive: true });
  for (const f of await readdir(path.join(ASSETS, 'dags'))) {
    const target = path.join(dags, f);
    if (!(await exists(target))) await copyFile(path.join(ASSETS, 'dags', f), target);
  }
  const rel = path.relative(ctx.cwd, file) || file;
  ctx.out.success(`wrote ${rel} (deployment "${name}" in ${o.region}) and ${path.relative(ctx.cwd, dags) || dags}/`);
  ctx.out.info('next: `airflow-aws validate` then `airflow-aws plan` to see what would be created');
  return 0;
}

function defaultName(dir: string): string {
  const base = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 28)
    .replace(/-+$/, '');
  return base || 'airflow';
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
