/**
 * The one Docker driver: the Docker CLI, driven with argv arrays through the shared process helper. Images: engine
 * detection, build (BuildKit when the buildx plugin answers, the legacy builder otherwise — the Dockerfile is valid
 * for both), login with a temporary DOCKER_CONFIG and --password-stdin, push, digest lookup, a remote tag-exists
 * check. Containers (`dev` in Docker mode): labelled networks, volumes and long-running containers, one-shot runs,
 * state and logs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors/user-error.js';
import { runChecked, runProcess, type RunOptions, type RunResult } from '../proc/run-process.js';

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

export interface ContainerMount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  /** A named volume rather than a host path. */
  readonly volume?: boolean;
}

/** A long-running container: restarted by the engine when it crashes, until stopped. */
export interface ServiceContainer {
  readonly name: string;
  readonly image: string;
  /** Arguments after the image (its entrypoint runs them). */
  readonly args: readonly string[];
  readonly network: string;
  readonly networkAlias: string;
  /** `key=value` labels; `down` and `status` select on them. */
  readonly labels: readonly string[];
  readonly envFile?: string;
  readonly user?: string;
  readonly mounts: readonly ContainerMount[];
  /** Published on 127.0.0.1 only. */
  readonly ports: readonly { readonly host: number; readonly container: number }[];
}

/** A container run once and removed (`docker run --rm`). */
export interface OneShotContainer {
  readonly image: string;
  readonly args: readonly string[];
  /** @default the engine's default bridge network */
  readonly network?: string;
  readonly labels?: readonly string[];
  /** Files of `KEY=value` lines: how secrets reach a container, never argv. */
  readonly envFiles?: readonly string[];
  /** Non-secret variables only (they are visible in `ps`). */
  readonly env?: Readonly<Record<string, string>>;
  readonly mounts?: readonly ContainerMount[];
  readonly user?: string;
}

export interface ContainerState {
  readonly state: string;
  readonly pid: number | null;
  readonly restarts: number;
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

  /** Pulls `ref`; resolves with the result whatever the exit code, for the caller to name what it needed. */
  async pull(ref: string, timeoutMs: number): Promise<RunResult> {
    return runProcess(this.bin, ['pull', ref], this.opts({ timeoutMs }));
  }

  /** Whether an engine answers (client installed and daemon reachable) within a few seconds; never throws. */
  async engineAnswers(): Promise<boolean> {
    try {
      const r = await runProcess(this.bin, ['info', '--format', '{{.ServerVersion}}'], this.opts({ timeoutMs: 8000 }));
      return r.exitCode === 0 && r.stdout.trim() !== '' && !r.stdout.includes('<no value>');
    } catch {
      return false;
    }
  }

  /** Local images of `reference` carrying every label, newest first, as `repository:tag` (untagged ones left out). */
  async listImages(reference: string, labels: readonly string[]): Promise<string[]> {
    const r = await runProcess(
      this.bin,
      ['image', 'ls', '--filter', `reference=${reference}`, ...labels.flatMap((l) => ['--filter', `label=${l}`]), '--format', '{{.Repository}}:{{.Tag}}'],
      this.opts(),
    );
    return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l && !l.endsWith(':<none>'));
  }

  /** Ids of every container (running or not) carrying `label`. */
  async containersWithLabel(label: string, timeoutMs?: number): Promise<string[]> {
    const r = await runProcess(this.bin, ['ps', '-aq', '--filter', `label=${label}`], this.opts(timeoutMs ? { timeoutMs } : {}));
    return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  }

  /** Stops the containers, giving each `graceSeconds` after SIGTERM; best effort (gone ones are fine). */
  async stopContainers(ids: readonly string[], graceSeconds: number): Promise<void> {
    await runProcess(this.bin, ['stop', '--time', String(graceSeconds), ...ids], this.opts());
  }

  /** Removes the containers, running or not; best effort (gone ones are fine). */
  async removeContainers(ids: readonly string[]): Promise<void> {
    await runProcess(this.bin, ['rm', '-f', ...ids], this.opts());
  }

  async ensureNetwork(name: string, label: string): Promise<void> {
    if ((await runProcess(this.bin, ['network', 'inspect', name], this.opts())).exitCode === 0) return;
    await runChecked(this.bin, ['network', 'create', '--label', label, name], this.opts({ what: 'creating the network', code: 'DOCKER_FAILED' }));
  }

  /** Best effort: a network already gone is fine. */
  async removeNetwork(name: string): Promise<void> {
    await runProcess(this.bin, ['network', 'rm', name], this.opts());
  }

  async volumeExists(name: string, timeoutMs?: number): Promise<boolean> {
    return (await runProcess(this.bin, ['volume', 'inspect', name], this.opts(timeoutMs ? { timeoutMs } : {}))).exitCode === 0;
  }

  async ensureVolume(name: string, label: string, what: string): Promise<void> {
    if (await this.volumeExists(name)) return;
    await runChecked(this.bin, ['volume', 'create', '--label', label, name], this.opts({ what, code: 'DOCKER_FAILED' }));
  }

  /** Best effort: a volume already gone is fine. */
  async removeVolume(name: string): Promise<void> {
    await runProcess(this.bin, ['volume', 'rm', '-f', name], this.opts());
  }

  /** Starts a detached service container; throws DOCKER_FAILED (what = `what`) when the engine refuses it. */
  async startService(c: ServiceContainer, what: string, redact: readonly string[]): Promise<void> {
    const args = ['run', '--detach', '--name', c.name, '--network', c.network, '--network-alias', c.networkAlias];
    for (const l of c.labels) args.push('--label', l);
    args.push('--restart', 'unless-stopped');
    if (c.envFile) args.push('--env-file', c.envFile);
    if (c.user) args.push('--user', c.user);
    args.push(...mountArgs(c.mounts));
    // Loopback only: nothing a dev container serves may be reachable from the network.
    for (const p of c.ports) args.push('--publish', `127.0.0.1:${p.host}:${p.container}`);
    args.push(c.image, ...c.args);
    await runChecked(this.bin, args, this.opts({ what, code: 'DOCKER_FAILED', redact }));
  }

  /**
   * `docker run --rm`: resolves with the result whatever the exit code, or, with `check`, throws `check.code`
   * carrying the output tail when the container fails.
   */
  async runOnce(
    c: OneShotContainer,
    extra: { readonly redact?: readonly string[]; readonly tailLines?: number; readonly check?: { readonly what: string; readonly code: string } } = {},
  ): Promise<RunResult> {
    const args = ['run', '--rm', ...(c.network ? ['--network', c.network] : [])];
    for (const l of c.labels ?? []) args.push('--label', l);
    for (const f of c.envFiles ?? []) args.push('--env-file', f);
    args.push(...mountArgs(c.mounts ?? []));
    for (const [k, v] of Object.entries(c.env ?? {})) args.push('--env', `${k}=${v}`);
    if (c.user) args.push('--user', c.user);
    args.push(c.image, ...c.args);
    const opts = this.opts({ ...(extra.redact ? { redact: extra.redact } : {}), ...(extra.tailLines ? { tailLines: extra.tailLines } : {}) });
    return extra.check ? runChecked(this.bin, args, { ...opts, ...extra.check }) : runProcess(this.bin, args, opts);
  }

  /**
   * `docker exec -i NAME ARGS...` with `input` on stdin: how a secret reaches a process in a running container
   * (never argv, which `ps` and the engine's events show). Resolves whatever the exit code.
   */
  async execWithInput(container: string, args: readonly string[], input: string, redact: readonly string[]): Promise<RunResult> {
    return runProcess(this.bin, ['exec', '-i', container, ...args], this.opts({ input, redact, tailLines: 30 }));
  }

  /** The container's state, or undefined when it does not exist. */
  async containerState(name: string): Promise<ContainerState | undefined> {
    const r = await runProcess(this.bin, ['inspect', '--format', '{{.State.Status}} {{.State.Pid}} {{.RestartCount}}', name], this.opts());
    if (r.exitCode !== 0) return undefined;
    const [state, pid, restarts] = r.stdout.trim().split(' ');
    return { state: state ?? 'unknown', pid: Number(pid) || null, restarts: Number(restarts) || 0 };
  }

  /** The container's last `tail` lines of output, then (with `follow`) new ones until it stops or the signal fires. */
  async logs(name: string, o: { readonly tail: number; readonly follow: boolean; readonly onLine: (line: string) => void }): Promise<void> {
    await runProcess(this.bin, ['logs', '--tail', String(o.tail), ...(o.follow ? ['--follow'] : []), name], this.opts({ onLine: (l: string) => o.onLine(l) }));
  }
}

function mountArgs(mounts: readonly ContainerMount[]): string[] {
  return mounts.flatMap((m) => ['--mount', `type=${m.volume ? 'volume' : 'bind'},source=${m.source},target=${m.target}${m.readOnly ? ',readonly' : ''}`]);
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
