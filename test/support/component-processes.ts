/**
 * The long-running components of a test harness (etcd, kube-apiserver, kubelet, containerd, CoreDNS, ...): each in
 * its own process group with its output in `<dir>/<name>.log`, killed by the kernel if the test process dies
 * (setpriv --pdeathsig), waited for with a bound, and reported with the tails of their logs when something fails.
 * Shared by kube-cluster.ts (control plane) and kube-node.ts (the real node).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Component {
  readonly name: string;
  readonly child: ChildProcess;
  exited: boolean;
  exitInfo?: string;
}

export interface ComponentsOptions {
  /** Working dir and log dir. */
  readonly dir: string;
  /** Prefix of failure messages, e.g. "kube test cluster". */
  readonly label: string;
  readonly t0: number;
  /** Bound on every waitFor. */
  readonly deadline: number;
  /** Environment every component gets (plus what start() adds). */
  readonly env: NodeJS.ProcessEnv;
  readonly pollMs: number;
  /** Called with each new pid (a watchdog that outlives us). */
  readonly onStart?: (pid: number) => void;
  /** Tears the harness down before fail() throws. */
  readonly onFail: () => Promise<void>;
}

/** scripts/testbed/<name>, found by walking up (works from test/support and from dist/test/support). */
export function testbedScript(name: string): string {
  let d = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(d, 'scripts', 'testbed', name);
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(d);
    if (up === d) throw new Error(`scripts/testbed/${name} not found above ${fileURLToPath(import.meta.url)}`);
    d = up;
  }
}

/**
 * A detached bash `script` that outlives us and reads lines from our end of its stdin: when that pipe closes without
 * a "done" line (this process died, however it died), it cleans up what the harness left behind.
 */
export function startWatchdog(script: string, env: NodeJS.ProcessEnv): { write(line: string): void; done(): void } {
  const watchdog = spawn('bash', ['-c', script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env });
  watchdog.unref();
  const stdin = watchdog.stdin;
  (stdin as unknown as { unref?: () => void } | null)?.unref?.();
  stdin?.on('error', () => {});
  return { write: (line) => stdin?.write(`${line}\n`), done: () => stdin?.end('done\n') };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function tailFile(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '(no log)';
  }
}

const SETPRIV = '/usr/bin/setpriv';

export class Components {
  readonly all: Component[] = [];
  /** ms from t0 at which each waited-for phase was reached. */
  readonly startPhases: Record<string, number> = {};

  constructor(private readonly o: ComponentsOptions) {}

  start(name: string, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Component {
    const fd = openSync(path.join(this.o.dir, `${name}.log`), 'a');
    // setpriv --pdeathsig: the kernel kills the component if we die.
    const [file, argv] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', cmd, ...args]] : [cmd, [...args]];
    const child = spawn(file, argv, { cwd: this.o.dir, detached: true, stdio: ['ignore', fd, fd], env: { ...this.o.env, ...env } });
    closeSync(fd);
    child.unref();
    const p: Component = { name, child, exited: false };
    child.on('exit', (code, signal) => {
      p.exited = true;
      p.exitInfo = signal ? `signal ${signal}` : `exit code ${String(code)}`;
    });
    child.on('error', (err) => {
      p.exited = true;
      p.exitInfo = `spawn error: ${err.message}`;
    });
    if (child.pid !== undefined) this.o.onStart?.(child.pid);
    this.all.push(p);
    return p;
  }

  find(name: string): Component | undefined {
    return this.all.find((p) => p.name === name);
  }

  logTail(component: string, lines = 40): string {
    return tailFile(path.join(this.o.dir, `${component}.log`), lines);
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`. */
  async stop(p: Component, graceMs: number): Promise<void> {
    if (p.child.pid === undefined || p.exited) return;
    try {
      process.kill(-p.child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const until = Date.now() + graceMs;
    while (!p.exited && Date.now() < until) await sleep(50);
    if (!p.exited) {
      try {
        process.kill(-p.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  /** SIGKILL to every live group, now (process exit hooks). */
  killAll(): void {
    for (const p of this.all) {
      if (p.child.pid === undefined || p.exited) continue;
      try {
        process.kill(-p.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  /** Tears down, then throws with the named components' state and log tails. */
  async fail(what: string, components: readonly string[]): Promise<never> {
    const details = components
      .map((c) => {
        const p = this.find(c);
        const state = p?.exited ? ` (exited: ${p.exitInfo ?? '?'})` : '';
        return `--- ${c}${state}, last lines of ${c}.log:\n${this.logTail(c, 30)}`;
      })
      .join('\n');
    const msg = `${this.o.label}: ${what} after ${Date.now() - this.o.t0} ms\n${details}`;
    await this.o.onFail().catch(() => {});
    throw new Error(msg);
  }

  /** Polls `check` until true; fails with log tails on timeout or as soon as any component died. */
  async waitFor(what: string, components: readonly string[], check: () => Promise<boolean>): Promise<void> {
    for (;;) {
      const dead = this.all.find((p) => p.exited);
      if (dead) return this.fail(`${dead.name} exited while waiting for ${what}`, components);
      try {
        if (await check()) {
          this.startPhases[what] = Date.now() - this.o.t0;
          return;
        }
      } catch {
        /* not yet */
      }
      if (Date.now() > this.o.deadline) return this.fail(`timed out waiting for ${what}`, components);
      await sleep(this.o.pollMs);
    }
  }
}
