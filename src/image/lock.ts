/**
 * The lock request: which distributions the image needs for a config (Airflow with this stack's providers, the
 * init process, the user's own requirements) for one Python and platform — and the lock file's header, whose
 * inputs hash makes a stale lock detectable without resolving anything.
 *
 * Pure: the resolver (uv) runs in src/adapters; this module only says what to ask and how to read the answer.
 */
import { OAUTH_REQUIREMENT } from '../airflow/fab-oidc.js';
import { createHash } from 'node:crypto';
import type { ResolvedConfig } from '../config/resolved.js';
import { airflowLine } from '../config/versions.js';
import { EXIT_BAD_INPUT, UserError } from '../errors/user-error.js';

/** Bumped when the meaning of the lock changes (extras, extra pins, header): every existing lock becomes stale. */
export const LOCK_FORMAT = 1;

/**
 * The resolver, pinned: a newer uv may resolve differently for the same inputs.
 * @see https://pypi.org/project/uv/
 */
export const UV_VERSION = '0.13.9';

/**
 * PID 1 of every container: forwards signals to Airflow and reaps zombies. Installed from PyPI through the lock
 * (static binary in a manylinux wheel, hashed) so the runtime stage needs no package manager at all.
 * @see https://github.com/Yelp/dumb-init
 */
export const INIT_REQUIREMENT = 'dumb-init==1.2.5.post1';

/**
 * glibc of Debian bookworm (2.36), the base of python:3.x-slim-bookworm: wheels tagged up to manylinux_2_36 run.
 * Change together with the default base image.
 */
export const MANYLINUX = '2_36';

export type Platform = 'linux/amd64' | 'linux/arm64';

export function platformArch(platform: Platform): 'x86_64' | 'aarch64' {
  return platform === 'linux/arm64' ? 'aarch64' : 'x86_64';
}

/** uv's `--python-platform` value for a Docker platform. */
export function uvPythonPlatform(platform: Platform): string {
  return `${platformArch(platform)}-manylinux_${MANYLINUX}`;
}

/** pip's `--platform` tags for a host-side download, newest first (pip does not expand manylinux tags itself). */
export function pipPlatformTags(platform: Platform): string[] {
  const arch = platformArch(platform);
  const [, minor] = MANYLINUX.split('_').map(Number) as [number, number];
  const tags: string[] = [];
  for (let m = minor; m >= 17; m--) tags.push(`manylinux_2_${m}_${arch}`);
  tags.push(`manylinux2014_${arch}`);
  if (arch === 'x86_64') tags.push(`manylinux_2_12_${arch}`, `manylinux2010_${arch}`, `manylinux_2_5_${arch}`, `manylinux1_${arch}`);
  tags.push(`linux_${arch}`);
  return tags;
}

export interface LockRequest {
  readonly airflowVersion: string;
  readonly python: string;
  readonly platform: Platform;
  /** Extras of apache-airflow, sorted. */
  readonly extras: readonly string[];
  /** Lines of the generated `airflow-aws.in` (the top-level requirements), in order. */
  readonly requirementsIn: readonly string[];
  /** The user's requirements.txt, verbatim (empty when the file does not exist). */
  readonly userRequirements: string;
  /** sha256 over everything above plus LOCK_FORMAT and UV_VERSION. */
  readonly inputsHash: string;
}

/**
 * Airflow extras this stack needs. FAB is part of Airflow 2 itself (apache-airflow 2.x depends on
 * apache-airflow-providers-fab), so the extra is only added on Airflow 3 when FAB auth is chosen. The git provider
 * (GitDagBundle) only when DAGs come from git: other configs keep their lock unchanged.
 */
export function airflowExtras(version: string, auth: 'fab' | 'simple', dagsSource: 'image' | 's3' | 'git' = 'image'): string[] {
  const extras = ['amazon', 'cncf.kubernetes', 'postgres'];
  const major = airflowLine(version)?.major;
  if (major === 3 && auth === 'fab') extras.push('fab');
  if (major === 3 && dagsSource === 'git') extras.push('git');
  return extras.sort();
}

/** Checks the version pair against the support table; a clear error instead of a resolver failure minutes later. */
export function assertSupported(airflowVersion: string, python: string): void {
  const line = airflowLine(airflowVersion);
  if (!line) {
    throw new UserError(`Airflow ${airflowVersion} is not a version this tool builds`, {
      code: 'AIRFLOW_VERSION_UNSUPPORTED',
      exitCode: EXIT_BAD_INPUT,
      hint: 'set airflow.version to a 3.x release or one of the 2.9–2.11 line (see `airflow-aws schema`)',
    });
  }
  if (!line.pythons.includes(python)) {
    throw new UserError(`Python ${python} is not supported by Airflow ${line.line}`, {
      code: 'PYTHON_VERSION_UNSUPPORTED',
      exitCode: EXIT_BAD_INPUT,
      hint: `set airflow.python to one of ${line.pythons.join(', ')}`,
    });
  }
}

/** Normalise line endings and trailing whitespace so an editor's save does not make the lock stale. */
export function normaliseRequirements(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Options a user requirements file may not carry: they would bypass the lock or the hash check. */
const FORBIDDEN_OPTIONS = /^\s*(-e\b|--editable\b|-r\b|--requirement\b|-c\b|--constraint\b|--index-url\b|-i\b|--extra-index-url\b|--find-links\b|-f\b|--trusted-host\b)/;

export function checkUserRequirements(text: string, file: string): void {
  const bad = normaliseRequirements(text)
    .split('\n')
    .map((l, i) => ({ l, n: i + 1 }))
    .filter(({ l }) => FORBIDDEN_OPTIONS.test(l));
  if (bad.length) {
    throw new UserError(`${file} uses options the lock cannot honour`, {
      code: 'REQUIREMENTS_UNSUPPORTED',
      exitCode: EXIT_BAD_INPUT,
      details: bad.map(({ l, n }) => `line ${n}: ${l.trim()}`),
      hint: 'list plain requirements (name, version specifier, markers); indexes and nested files are not supported',
    });
  }
  const pinsAirflow = normaliseRequirements(text)
    .split('\n')
    .some((l) => /^\s*apache-airflow(\[[^\]]*\])?\s*([=<>!~]|$)/i.test(l));
  if (pinsAirflow) {
    throw new UserError(`${file} lists apache-airflow itself`, {
      code: 'REQUIREMENTS_UNSUPPORTED',
      exitCode: EXIT_BAD_INPUT,
      hint: 'set airflow.version in the config instead; the lock pins Airflow from there',
    });
  }
}

export function lockRequest(
  config: Pick<ResolvedConfig, 'airflow' | 'image'> & {
    readonly dags?: Pick<ResolvedConfig['dags'], 'source'>;
    /** With auth.oidc the lock adds FAB's OAuth client (Authlib); other configs keep their lock unchanged. */
    readonly auth?: Pick<ResolvedConfig['auth'], 'oidc'>;
  },
  userRequirements: string,
  platformOverride?: Platform,
): LockRequest {
  const { version, python, auth } = config.airflow;
  assertSupported(version, python);
  checkUserRequirements(userRequirements, config.image.requirements);
  const platform = platformOverride ?? config.image.platform;
  const extras = airflowExtras(version, auth, config.dags?.source);
  const user = normaliseRequirements(userRequirements);
  const requirementsIn = [
    `apache-airflow[${extras.join(',')}]==${version}`,
    INIT_REQUIREMENT,
    ...(config.auth?.oidc ? [OAUTH_REQUIREMENT] : []),
    ...(user ? ['-r requirements.txt'] : []),
  ];
  const inputsHash = sha256(
    JSON.stringify({ format: LOCK_FORMAT, uv: UV_VERSION, manylinux: MANYLINUX, version, python, platform, extras, requirementsIn, user }),
  );
  return { airflowVersion: version, python, platform, extras, requirementsIn, userRequirements: user, inputsHash };
}

/** Arguments for `uv pip compile`, run with cwd = a directory holding `airflow-aws.in` (+ requirements.txt). */
export function uvCompileArgs(req: LockRequest): string[] {
  return [
    'pip',
    'compile',
    'airflow-aws.in',
    '--generate-hashes',
    '--no-header',
    '--python-version',
    req.python,
    '--python-platform',
    uvPythonPlatform(req.platform),
    // Corporate proxies re-sign TLS with their own CA, which only the system store knows.
    '--system-certs',
    '--quiet',
  ];
}

export interface LockHeader {
  readonly format: number;
  readonly inputsHash: string;
  readonly airflowVersion: string;
  readonly python: string;
  readonly platform: string;
}

const HEADER_PREFIX = '# airflow-aws-lock';

/** The lock file: our header (what it was resolved from) + uv's hashed requirements. */
export function renderLockFile(req: LockRequest, compiled: string): string {
  const header = [
    `${HEADER_PREFIX} format=${LOCK_FORMAT} inputs-sha256=${req.inputsHash}`,
    `# airflow=${req.airflowVersion} python=${req.python} platform=${req.platform} extras=${req.extras.join(',')}`,
    '# Generated by `airflow-aws image lock` with uv ' + UV_VERSION + '. Do not edit: change airflow-aws.yaml or',
    '# requirements.txt and run `airflow-aws image lock` again. Commit this file.',
    ...req.requirementsIn.map((l) => `#   in: ${l}`),
  ];
  return `${header.join('\n')}\n${compiled.replace(/\r\n?/g, '\n').trimEnd()}\n`;
}

export function parseLockHeader(text: string): LockHeader | undefined {
  const first = text.split('\n', 2);
  const m = /^# airflow-aws-lock format=(\d+) inputs-sha256=([0-9a-f]{64})$/.exec(first[0] ?? '');
  const n = /^# airflow=(\S+) python=(\S+) platform=(\S+)/.exec(first[1] ?? '');
  if (!m || !n) return undefined;
  return { format: Number(m[1]), inputsHash: m[2]!, airflowVersion: n[1]!, python: n[2]!, platform: n[3]! };
}

/** Throws LOCK_STALE / LOCK_INVALID with what changed; returns the header when the lock matches the inputs. */
export function assertLockFresh(lockText: string, req: LockRequest, lockPath: string): LockHeader {
  const header = parseLockHeader(lockText);
  if (!header) {
    throw new UserError(`${lockPath} is not a lock written by airflow-aws`, {
      code: 'LOCK_INVALID',
      exitCode: EXIT_BAD_INPUT,
      hint: 'run `airflow-aws image lock` to write it',
    });
  }
  if (header.inputsHash !== req.inputsHash) {
    const changed: string[] = [];
    if (header.airflowVersion !== req.airflowVersion) changed.push(`airflow.version: lock ${header.airflowVersion}, config ${req.airflowVersion}`);
    if (header.python !== req.python) changed.push(`airflow.python: lock ${header.python}, config ${req.python}`);
    if (header.platform !== req.platform) changed.push(`image.platform: lock ${header.platform}, config ${req.platform}`);
    if (header.format !== LOCK_FORMAT) changed.push(`lock format: lock ${header.format}, this tool ${LOCK_FORMAT}`);
    if (changed.length === 0) changed.push('requirements.txt, airflow.auth or the tool version changed since the lock was written');
    throw new UserError(`${lockPath} is stale: it was resolved from different inputs`, {
      code: 'LOCK_STALE',
      exitCode: EXIT_BAD_INPUT,
      details: changed,
      hint: 'run `airflow-aws image lock` and commit the updated lock',
    });
  }
  return header;
}

/** `name==version` pins of a lock (names normalised per PEP 503). */
export function lockedPins(lockText: string): Map<string, string> {
  const pins = new Map<string, string>();
  for (const m of lockText.matchAll(/^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)/gm)) {
    pins.set(m[1]!.toLowerCase().replace(/[-_.]+/g, '-'), m[2]!);
  }
  return pins;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
