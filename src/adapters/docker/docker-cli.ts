/**
 * The Docker CLI, driven with argv arrays through the shared process helper: engine detection, build (BuildKit
 * when the buildx plugin answers, the legacy builder otherwise — the Dockerfile is valid for both), login with a
 * temporary DOCKER_CONFIG and --password-stdin, push, digest lookup, and a remote tag-exists check.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors/user-error.js';
import { runChecked, runProcess, type RunOptions } from '../proc/run-process.js';

export interface DockerEngine {
  readonly clientVersion: string;
  readonly serverVersion: string;
  /** Server OS/arch, e.g. linux/amd64. */
  readonly serverPlatform: string;
  readonly builder: 'buildkit' | 'legacy';
}

export interface DockerOptions {
  /** Docker binary. @default "docker" */
  readonly bin?: string;
  readonly signal?: AbortSignal;
  /** Extra environment (DOCKER_HOST, ...). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const UNREACHABLE_HINT =
  'start the Docker engine (e.g. `sudo systemctl start docker`, or `dockerd &` where there is no systemd) and check ' +
  'that `docker info` works for this user (docker group or DOCKER_HOST)';

export class DockerCli {
  readonly bin: string;
  private readonly signal: AbortSignal | undefined;
  private readonly env: Readonly<Record<string, string | undefined>>;

  constructor(opts: DockerOptions = {}) {
    this.bin = opts.bin ?? 'docker';
    this.signal = opts.signal;
    this.env = opts.env ?? {};
  }

  private opts<T extends Partial<RunOptions> & { what?: string; code?: string; hint?: string }>(extra?: T): T & RunOptions {
    const e = (extra ?? {}) as T;
    return { ...(this.signal ? { signal: this.signal } : {}), ...e, env: { ...this.env, ...(e.env ?? {}) } };
  }

  /** Client and server versions, platform and which builder `build` will use. Throws DOCKER_UNREACHABLE. */
  async detect(): Promise<DockerEngine> {
    let r;
    try {
      r = await runProcess(this.bin, ['version', '--format', '{{json .}}'], this.opts({ timeoutMs: 30_000 }));
    } catch (e) {
      if (UserError.is(e) && e.code === 'TOOL_NOT_FOUND') {
        throw new UserError('the docker CLI is not installed', {
          code: 'DOCKER_NOT_FOUND',
          hint: 'install Docker (Debian/Ubuntu: `apt-get install docker.io`; elsewhere: Docker Desktop or docker-ce)',
          cause: e,
        });
      }
      throw e;
    }
    let parsed: { Client?: { Version?: string }; Server?: { Version?: string; Os?: string; Arch?: string } | null } = {};
    try {
      parsed = JSON.parse(r.stdout.trim().split('\n').find((l) => l.startsWith('{')) ?? '{}');
    } catch {
      parsed = {};
    }
    if (r.exitCode !== 0 || !parsed.Server?.Version) {
      throw new UserError('no Docker engine is reachable', {
        code: 'DOCKER_UNREACHABLE',
        details: r.tail.slice(-5),
        hint: UNREACHABLE_HINT,
      });
    }
    const builder = await this.detectBuilder();
    return {
      clientVersion: parsed.Client?.Version ?? 'unknown',
      serverVersion: parsed.Server.Version,
      serverPlatform: `${parsed.Server.Os ?? 'linux'}/${parsed.Server.Arch ?? 'amd64'}`,
      builder,
    };
  }

  /** BuildKit only when the buildx plugin answers and the user did not opt out with DOCKER_BUILDKIT=0. */
  async detectBuilder(): Promise<'buildkit' | 'legacy'> {
    const env = { ...process.env, ...this.env };
    if (env['DOCKER_BUILDKIT'] === '0') return 'legacy';
    const r = await runProcess(this.bin, ['buildx', 'version'], this.opts({ timeoutMs: 15_000 })).catch(() => undefined);
    return r && r.exitCode === 0 ? 'buildkit' : 'legacy';
  }

  /**
   * Build `contextDir` (Dockerfile inside it). Output lines stream to `onLine`; a failure throws BUILD_FAILED with
   * the last lines of the failing step.
   */
  async build(req: {
    readonly contextDir: string;
    readonly tags: readonly string[];
    readonly buildArgs: Readonly<Record<string, string>>;
    readonly platform?: string;
    readonly builder: 'buildkit' | 'legacy';
    readonly onLine?: (line: string) => void;
    /** Ignore the layer cache (benchmarks of cold builds). */
    readonly noCache?: boolean;
  }): Promise<void> {
    const common = [
      ...req.tags.flatMap((t) => ['--tag', t]),
      ...Object.entries(req.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      ...(req.platform ? ['--platform', req.platform] : []),
      ...(req.noCache ? ['--no-cache'] : []),
      '--file',
      path.join(req.contextDir, 'Dockerfile'),
    ];
    const args =
      req.builder === 'buildkit'
        ? ['buildx', 'build', '--load', '--progress', 'plain', ...common, req.contextDir]
        : ['build', '--rm', '--force-rm', ...common, req.contextDir];
    const r = await runProcess(
      this.bin,
      args,
      this.opts({
        env: { DOCKER_BUILDKIT: req.builder === 'buildkit' ? '1' : '0' },
        tailLines: 60,
        ...(req.onLine ? { onLine: (l: string) => req.onLine!(l) } : {}),
      }),
    );
    if (r.cancelled) throw new UserError('image build was cancelled', { code: 'CANCELLED', exitCode: 130 });
    if (r.exitCode !== 0) {
      const pullFailed = r.tail.some((l) => /pull access denied|registry-1\.docker\.io|manifest unknown|no such host|repository does not exist/i.test(l));
      throw new UserError(`docker build failed (exit ${r.exitCode})`, {
        code: 'BUILD_FAILED',
        details: failingStepTail(r.tail),
        hint: pullFailed
          ? 'the base image could not be pulled: `docker pull` it (or load it) first, or pass --base-image / set image.baseImage to one you can reach'
          : 'fix the failing step shown above; rerun with --verbose to see the full build output',
      });
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    const r = await runProcess(this.bin, ['image', 'inspect', '--format', '{{.Id}}', ref], this.opts());
    return r.exitCode === 0;
  }

  async inspectImage(ref: string): Promise<{ id: string; size: number; repoDigests: string[]; labels: Record<string, string> }> {
    const r = await runChecked(this.bin, ['image', 'inspect', '--format', '{{json .}}', ref], this.opts({
      what: `docker image inspect ${ref}`,
      code: 'IMAGE_NOT_FOUND',
      hint: 'build it first with `airflow-aws image build`',
    }));
    const j = JSON.parse(r.stdout) as { Id: string; Size: number; RepoDigests?: string[]; Config?: { Labels?: Record<string, string> } };
    return { id: j.Id, size: j.Size, repoDigests: j.RepoDigests ?? [], labels: j.Config?.Labels ?? {} };
  }

  async tag(source: string, target: string): Promise<void> {
    await runChecked(this.bin, ['tag', source, target], this.opts({ what: `docker tag ${source} ${target}`, code: 'DOCKER_TAG_FAILED' }));
  }

  /**
   * Log in to `registry` inside a fresh, private Docker config directory (so the token never lands in the user's
   * ~/.docker/config.json or a credential helper). The password goes through stdin. Returns the directory; pass it
   * to push/manifestDigest and remove it with `disposeConfig`.
   */
  async loginTemporary(registry: string, username: string, password: string): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-docker-'));
    await writeFile(path.join(dir, 'config.json'), '{}\n', { mode: 0o600 });
    const r = await runProcess(this.bin, ['--config', dir, 'login', '--username', username, '--password-stdin', registry], this.opts({
      input: password,
      redact: [password],
      timeoutMs: 60_000,
    }));
    if (r.exitCode !== 0) {
      await this.disposeConfig(dir);
      throw new UserError(`registry login to ${registry} was refused`, {
        code: 'REGISTRY_AUTH_FAILED',
        details: r.tail.slice(-5),
        hint: 'check that the AWS credentials may call ecr:GetAuthorizationToken for this account and region, and that the registry host is right',
      });
    }
    return dir;
  }

  async disposeConfig(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Push and return the pushed manifest digest (sha256:...). */
  async push(ref: string, configDir: string, onLine?: (line: string) => void): Promise<string> {
    const r = await runChecked(this.bin, ['--config', configDir, 'push', ref], this.opts({
      what: `docker push ${ref}`,
      code: 'PUSH_FAILED',
      hint: 'check the repository exists (`airflow-aws up` creates it) and that your identity may push to it',
      ...(onLine ? { onLine: (l: string) => onLine(l) } : {}),
    }));
    const m = /digest: (sha256:[0-9a-f]{64})/.exec(r.stdout + r.stderr);
    if (m) return m[1]!;
    const inspected = await this.inspectImage(ref);
    const repo = ref.replace(/:[^:/]+$/, '');
    const rd = inspected.repoDigests.find((d) => d.startsWith(`${repo}@`));
    if (!rd) throw new UserError(`pushed ${ref} but could not read its digest`, { code: 'PUSH_FAILED' });
    return rd.slice(repo.length + 1);
  }

  /**
   * Digest of `ref` in its registry, or undefined when the tag does not exist there. Uses the registry API through
   * `docker manifest inspect` with the temporary config's credentials.
   */
  async remoteDigest(ref: string, configDir: string, insecure: boolean): Promise<string | undefined> {
    const r = await runProcess(
      this.bin,
      ['--config', configDir, 'manifest', 'inspect', '--verbose', ...(insecure ? ['--insecure'] : []), ref],
      this.opts({ timeoutMs: 60_000 }),
    );
    if (r.exitCode !== 0) {
      if (/no such manifest|manifest unknown|not found/i.test(r.tail.join('\n'))) return undefined;
      throw new UserError(`could not check whether ${ref} exists in the registry`, {
        code: 'REGISTRY_CHECK_FAILED',
        details: r.tail.slice(-5),
      });
    }
    const j = JSON.parse(r.stdout) as { Descriptor?: { digest?: string } } | { Descriptor?: { digest?: string } }[];
    const first = Array.isArray(j) ? j[0] : j;
    return first?.Descriptor?.digest;
  }

  async pull(ref: string, configDir?: string): Promise<void> {
    await runChecked(this.bin, [...(configDir ? ['--config', configDir] : []), 'pull', ref], this.opts({ what: `docker pull ${ref}`, code: 'PULL_FAILED' }));
  }

  /** `docker run --rm` with argv; returns the result (callers assert on it). */
  async run(args: readonly string[], extra: Partial<RunOptions> = {}) {
    return runProcess(this.bin, ['run', '--rm', ...args], this.opts(extra));
  }
}

/**
 * The lines worth showing from a failed build: from the last step header ("Step 7/12 :" legacy, "#12 [..]"
 * BuildKit) to the end, capped.
 */
export function failingStepTail(tail: readonly string[], max = 25): string[] {
  let start = 0;
  for (let i = tail.length - 1; i >= 0; i--) {
    if (/^Step \d+\/\d+ :/.test(tail[i]!) || /^#\d+ \[/.test(tail[i]!)) {
      start = i;
      break;
    }
  }
  const lines = tail.slice(start);
  return lines.length > max ? [lines[0]!, '...', ...lines.slice(-(max - 2))] : [...lines];
}
