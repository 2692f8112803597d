/**
 * A small typed model of a Dockerfile and its renderer. Instructions are data (argv arrays, key/value pairs), so
 * quoting is done once, here, and no value is ever spliced into a text template.
 *
 * Only the legacy-builder subset is modelled on purpose: the same file must build with and without BuildKit.
 */

/** One shell command as argv; rendered with POSIX quoting. */
export type Argv = readonly string[];

export type Instruction =
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'arg'; readonly name: string; readonly default?: string }
  | { readonly kind: 'from'; readonly image: string; readonly as?: string }
  | { readonly kind: 'env'; readonly vars: readonly (readonly [string, string])[] }
  | { readonly kind: 'label'; readonly labels: readonly (readonly [string, string])[] }
  /** `RUN a && b && c` (shell form: commands chained with &&, each command an argv). */
  | { readonly kind: 'run'; readonly commands: readonly Argv[] }
  | {
      readonly kind: 'copy';
      readonly sources: readonly string[];
      readonly dest: string;
      readonly from?: string;
      readonly chown?: string;
    }
  | { readonly kind: 'user'; readonly user: string }
  | { readonly kind: 'workdir'; readonly dir: string }
  | { readonly kind: 'entrypoint'; readonly argv: Argv }
  | { readonly kind: 'cmd'; readonly argv: Argv }
  | { readonly kind: 'expose'; readonly ports: readonly number[] };

export interface Stage {
  /** Comment lines printed above the stage. */
  readonly doc: readonly string[];
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** Comment lines at the top of the file. */
  readonly header: readonly string[];
  /** ARGs before the first FROM (usable in FROM lines). */
  readonly globalArgs: readonly { readonly name: string; readonly default?: string }[];
  readonly stages: readonly Stage[];
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * POSIX shell quoting for one word. `$VAR` / `${VAR}` references stay expandable only when the word is made of
 * safe characters plus the reference (e.g. `${AIRFLOW_HOME}/dags`), since build args are referenced that way.
 */
export function shellWord(word: string): string {
  if (word === '') return "''";
  if (SAFE_WORD.test(word)) return word;
  if (/^([A-Za-z0-9_@%+=:,./-]|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)+$/.test(word)) return `"${word}"`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** JSON array form (exec form) for ENTRYPOINT / CMD. */
function execForm(argv: Argv): string {
  return JSON.stringify([...argv]).replace(/","/g, '", "');
}

/** Dockerfile value quoting for ENV/LABEL (double quotes, backslash-escaped). `$`-references stay expandable. */
function dfValue(v: string): string {
  if (/^[A-Za-z0-9_.:/@+=,-]+$/.test(v) || /^([A-Za-z0-9_.:/@+=,-]|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)+$/.test(v)) return v;
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function pairs(kind: string, kv: readonly (readonly [string, string])[]): string {
  if (kv.length === 1) return `${kind} ${kv[0]![0]}=${dfValue(kv[0]![1])}`;
  return `${kind} ${kv.map(([k, v]) => `${k}=${dfValue(v)}`).join(' \\\n    ')}`;
}

export function renderInstruction(i: Instruction): string {
  switch (i.kind) {
    case 'comment':
      return i.text
        .split('\n')
        .map((l) => (l ? `# ${l}` : '#'))
        .join('\n');
    case 'arg':
      return i.default === undefined ? `ARG ${i.name}` : `ARG ${i.name}=${dfValue(i.default)}`;
    case 'from':
      return `FROM ${i.image}${i.as ? ` AS ${i.as}` : ''}`;
    case 'env':
      return pairs('ENV', i.vars);
    case 'label':
      return pairs('LABEL', i.labels);
    case 'run':
      return `RUN ${i.commands.map((c) => c.map(shellWord).join(' ')).join(' \\\n && ')}`;
    case 'copy': {
      const flags = [i.from ? `--from=${i.from}` : '', i.chown ? `--chown=${i.chown}` : ''].filter(Boolean);
      return ['COPY', ...flags, ...i.sources, i.dest].join(' ');
    }
    case 'user':
      return `USER ${i.user}`;
    case 'workdir':
      return `WORKDIR ${i.dir}`;
    case 'entrypoint':
      return `ENTRYPOINT ${execForm(i.argv)}`;
    case 'cmd':
      return `CMD ${execForm(i.argv)}`;
    case 'expose':
      return `EXPOSE ${i.ports.join(' ')}`;
  }
}

export function renderDockerfile(df: Dockerfile): string {
  const blocks: string[] = [];
  if (df.header.length) blocks.push(df.header.map((l) => (l ? `# ${l}` : '#')).join('\n'));
  if (df.globalArgs.length) blocks.push(df.globalArgs.map((a) => renderInstruction({ kind: 'arg', ...a })).join('\n'));
  for (const stage of df.stages) {
    const lines = stage.doc.map((l) => (l ? `# ${l}` : '#'));
    for (const i of stage.instructions) lines.push(renderInstruction(i));
    blocks.push(lines.join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}
