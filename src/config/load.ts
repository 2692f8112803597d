/**
 * The one config pipeline: read -> parse YAML (bounded) -> validate with the schema (defaults applied) ->
 * cross-field rules -> resolve derived defaults -> freeze. Every failure becomes a ConfigError listing all problems.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { checkRules } from './rules.js';
import { ConfigError, describeValue, formatPath, type ConfigProblem } from './problems.js';
import { likelyTypo } from '../text/similarity.js';
import { resolve, type ResolvedConfig } from './resolved.js';
import { configSchema, knownKeys } from './schema.js';
import { EXIT_BAD_INPUT, UserError } from '../errors/user-error.js';

/** A real config is a few KiB; anything far larger is a mistake (or an attack on the parser). */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** The schema is 4 levels deep; a little slack for tags and lists. */
const MAX_DEPTH = 12;
/** Aliases have no use in this file beyond a few anchors; a low cap stops "billion laughs". */
const MAX_ALIASES = 20;

export const DEFAULT_CONFIG_FILE = 'airflow-aws.yaml';

export async function loadConfig(file: string): Promise<ResolvedConfig> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new UserError(`cannot read config file ${file}`, {
      code: 'CONFIG_NOT_FOUND',
      exitCode: EXIT_BAD_INPUT,
      hint: 'run `airflow-aws init` to create one, or pass -c FILE',
      cause: e,
    });
  }
  if (size > MAX_CONFIG_BYTES) {
    throw new ConfigError(file, [
      { path: '', message: `file is too large for a config (${size} bytes, limit ${MAX_CONFIG_BYTES})`, hint: 'is this the right file?' },
    ]);
  }
  const bytes = await readFile(file);
  return parseConfig(bytes, file, path.dirname(path.resolve(file)));
}

/** Pure: bytes of a config file -> resolved config, or a ConfigError naming every problem. */
export function parseConfig(bytes: Uint8Array | string, file: string, projectDir: string): ResolvedConfig {
  const fail = (problems: ConfigProblem[]): never => {
    throw new ConfigError(file, problems);
  };
  const text = decodeText(bytes);
  if (text === undefined) {
    fail([{ path: '', message: 'is not a UTF-8 text file (binary data found)', hint: 'is this the right file?' }]);
  }
  if ((text as string).length > MAX_CONFIG_BYTES) {
    fail([{ path: '', message: `file is too large for a config (${(text as string).length} characters)` }]);
  }
  const src = text as string;
  const depth = flowNestingDepth(src);
  if (depth > MAX_DEPTH) {
    fail([{ path: '', message: `nests ${depth} levels deep; a config is at most ${MAX_DEPTH}` }]);
  }

  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(src, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  } catch (e) {
    return fail([{ path: '', message: `is not valid YAML: ${(e as Error).message}` }]);
  }
  if (doc.errors.length > 0) {
    fail(
      doc.errors.slice(0, 20).map((err) => {
        const pos = lineCounter.linePos(err.pos[0]);
        return { path: '', message: yamlMessage(err.code, err.message), line: pos.line, column: pos.col };
      }),
    );
  }
  if (doc.contents === null || (isScalar(doc.contents) && (doc.contents.value === null || doc.contents.value === ''))) {
    fail([{ path: '', message: 'is empty', hint: 'run `airflow-aws init` to write a commented starting point' }]);
  }
  if (!isMap(doc.contents)) {
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch {
      value = undefined;
    }
    fail([{ path: '', message: 'must be a mapping of keys (name, region, airflow, ...)', received: describeValue(value) }]);
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    fail([{ path: '', message: `uses YAML aliases excessively (${(e as Error).message.split('.')[0]})`, hint: 'expand the anchors by hand' }]);
  }
  const measured = valueDepth(raw);
  if (measured > MAX_DEPTH) {
    fail([{ path: '', message: `nests ${measured} levels deep; a config is at most ${MAX_DEPTH}` }]);
  }

  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    fail(parsed.error.issues.flatMap((issue) => toProblems(issue, raw)).map((p) => withPosition(p, doc, lineCounter)));
  }
  const ok = parsed.data!;
  const ruleProblems = checkRules(ok, raw as Record<string, unknown>);
  if (ruleProblems.length > 0) fail(ruleProblems.map((p) => withPosition(p, doc, lineCounter)));
  return resolve(ok, projectDir);
}

function decodeText(bytes: Uint8Array | string): string | undefined {
  if (typeof bytes === 'string') return bytes.includes('\u0000') ? undefined : bytes;
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

/**
 * Deepest bracket nesting of flow collections, measured before parsing: the YAML composer recurses per level, so a
 * pathological `[[[[...` must be refused before it reaches the parser.
 */
function flowNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\n') quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl;
    } else if (ch === '[' || ch === '{') max = Math.max(max, ++depth);
    else if ((ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return max;
}

function valueDepth(v: unknown, d = 0): number {
  if (d > MAX_DEPTH + 1 || v === null || typeof v !== 'object') return d;
  let max = d + 1;
  for (const child of Object.values(v as object)) max = Math.max(max, valueDepth(child, d + 1));
  return max;
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  if (code === 'DUPLICATE_KEY') return 'has a duplicate key (each key may appear once per mapping)';
  return `is not valid YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`;
}

function valueAt(root: unknown, p: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

function toProblems(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
  const p = issue.path;
  const received = describeValue('input' in issue ? issue.input : valueAt(raw, p));
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const known = knownKeys(p as (string | number)[]);
        const guess = likelyTypo(key, known);
        return {
          path: formatPath([...p, key]),
          message: 'is not a known key',
          hint: guess ? `did you mean "${guess}"?` : `known keys here: ${known.join(', ')}`,
        };
      });
    case 'invalid_type':
      if (issue.input === undefined) return [{ path: formatPath(p), message: `is required (${issue.expected})` }];
      return [{ path: formatPath(p), message: `must be ${article(issue.expected)}`, received }];
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v));
      const guess = typeof issue.input === 'string' ? likelyTypo(issue.input, issue.values.map(String)) : undefined;
      return [
        {
          path: formatPath(p),
          message: `must be one of ${options.join(', ')}`,
          received,
          ...(guess ? { hint: `did you mean "${guess}"?` } : {}),
        },
      ];
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
      const origin = issue.origin;
      const message =
        origin === 'array'
          ? `must have ${small ? 'at least' : 'at most'} ${bound} item${Number(bound) === 1 ? '' : 's'}`
          : origin === 'string'
            ? issue.message.startsWith('Too') ? `must be ${small ? 'at least' : 'at most'} ${bound} characters` : issue.message
            : `must be ${small ? '>=' : '<='} ${bound}`;
      return [{ path: formatPath(p), message, received }];
    }
    case 'invalid_key': {
      // A record key failed its own schema (e.g. a reserved tag prefix): report the key's own message.
      const inner = issue.issues[0]?.message ?? 'is not an allowed key';
      return [{ path: formatPath(p), message: `key ${inner}`, received: describeValue(issue.input) }];
    }
    default:
      return [{ path: formatPath(p), message: issue.message, received }];
  }
}

function article(expected: string): string {
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Find the line of the deepest existing node on the problem's path. */
function withPosition(problem: ConfigProblem, doc: Document.Parsed, lc: LineCounter): ConfigProblem {
  const segs = splitPath(problem.path);
  for (let n = segs.length; n > 0; n--) {
    const node = doc.getIn(segs.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    const pairKey = n === segs.length ? keyNode(doc, segs) : undefined;
    const range = pairKey?.range ?? node?.range;
    if (range) {
      const pos = lc.linePos(range[0]);
      return { ...problem, line: pos.line, column: pos.col };
    }
  }
  return problem;
}

/** For an unknown key the value node may be absent (null); point at the key itself. */
function keyNode(doc: Document.Parsed, segs: (string | number)[]): { range?: [number, number, number] } | undefined {
  const parent = segs.length === 1 ? doc.contents : doc.getIn(segs.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const last = segs[segs.length - 1];
  const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === last);
  return pair && isScalar(pair.key) ? (pair.key as { range?: [number, number, number] }) : undefined;
}

function splitPath(p: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(p))) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return out;
}
