/**
 * The build lock of the machine cache's builds (`<dir>.lock`), with real processes. The shared virtualenv of native
 * mode with a real `python3 -m venv` + pip installing a one-module wheel from a hashed lock (no network): two
 * processes that need the same venv at once build it once; a lock left by a dead or reused pid is taken over; a
 * waiter can be cancelled; a failed build releases the lock. The tool virtualenv of `image lock` and the folder of
 * `image wheelhouse` wait behind the same lock (without network: nothing is built there).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { withBuildLock } from '../../../src/adapters/fs/build-lock.js';
import { identify } from '../../../src/adapters/proc/process-identity.js';
import { downloadWheelhouse, ensurePythonTools } from '../../../src/adapters/proc/python-tools.js';
import { ensureVenv } from '../../../src/adapters/proc/python-venv.js';
import { renderLockOwner } from '../../../src/dev/build-lock.js';
import type { LockWait } from '../../../src/dev/build-lock.js';
import type { ProcessIdentity } from '../../../src/dev/process-identity.js';
import { loadConfig } from '../../../src/config/load.js';
import { venvDir } from '../../../src/dev/paths.js';
import { lockRequest, renderLockFile, UV_VERSION } from '../../../src/image/lock.js';
import { CLI, REPO_ROOT, tempDir } from '../../support/cli.js';
import { hostPython } from '../../support/dev-project.js';
import { TINY_MODULE, TINY_VALUE, writeTinyLock } from '../../support/tiny-wheel.js';
import type { VenvChildArgs, VenvChildEvent } from '../../support/venv-child.js';

const CHILD = path.join(REPO_ROOT, 'dist', 'test', 'support', 'venv-child.js');
const MARKER = '.airflow-aws-complete';
const children: ChildProcess[] = [];
const dirs: string[] = [];

function scratch(): string {
  const dir = tempDir('airflow-aws-venvlock-');
  dirs.push(dir);
  return dir;
}

/** A live process and its real identity: the owner of a lock that is really held. */
function liveProcess(): { child: ChildProcess; identity: ProcessIdentity } {
  const child = spawn('sleep', ['120'], { stdio: 'ignore' });
  children.push(child);
  const identity = identify(child.pid!);
  assert.ok(identity, `cannot read /proc/${child.pid}/stat: this test needs Linux`);
  return { child, identity };
}

/** The identity of a process that has exited: what a lock left by a killed airflow-aws names. */
async function deadProcess(): Promise<ProcessIdentity> {
  const { child, identity } = liveProcess();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return identity;
}

/**
 * A zombie: a short `sleep` whose parent execs into a long sleep that never reaps it. The child must outlive the
 * exec: one that ended first was reaped by the shell (a `sleep 0` was, on a loaded machine).
 */
async function zombieProcess(): Promise<ProcessIdentity> {
  const parent = spawn('sh', ['-c', 'sleep 2 & echo $!; exec sleep 120'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(parent);
  const pid = Number(await new Promise<string>((r) => parent.stdout!.once('data', (d: Buffer) => r(d.toString()))));
  await until(`pid ${pid} to become a zombie`, 30_000, () => /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));
  return identify(pid)!;
}

async function writeLock(lockFile: string, identity: ProcessIdentity, token = 'left-behind'): Promise<string> {
  const text = renderLockOwner({ pid: identity.pid, identity, token, since: '2026-01-01T00:00:00.000Z' });
  await writeFile(lockFile, text);
  return text;
}

async function until(what: string, ms: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface RunningChild {
  readonly pid: number;
  readonly events: VenvChildEvent[];
  readonly exited: Promise<number | null>;
  stderr: string;
}

function startChild(args: VenvChildArgs, env: NodeJS.ProcessEnv): RunningChild {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const running: RunningChild = { pid: child.pid!, events: [], exited: new Promise((r) => child.once('exit', (code) => r(code))), stderr: '' };
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) running.events.push(JSON.parse(l) as VenvChildEvent);
  });
  child.stderr!.on('data', (d: Buffer) => (running.stderr += d.toString()));
  return running;
}

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const has = (c: RunningChild, kind: VenvChildEvent['event']) => c.events.some((e) => e.event === kind);

describe('shared virtualenv build lock', { timeout: 300_000 }, () => {
  it('two processes that ensure the same venv at once: pip runs once, the second waits and reuses it, both import from it', async () => {
    const work = scratch();
    const lockFile = await writeTinyLock(work);
    const dir = path.join(work, 'cache', 'venvs', 'tiny-py3');
    // The interpreter holds whichever process builds inside `python -m venv` until the gate opens, so the other
    // one is sure to find the build under way, however fast or loaded the machine is.
    const gate = path.join(work, 'gate');
    const python = path.join(work, 'gated-python');
    await writeFile(python, `#!/bin/sh\nwhile [ ! -e '${gate}' ]; do sleep 0.1; done\nexec python3 "$@"\n`);
    await chmod(python, 0o755);
    const args: VenvChildArgs = { dir, python, lockFile, pipCacheDir: path.join(work, 'cache', 'pip') };
    // pip appends to PIP_LOG whenever it runs (ensurepip, inside `python -m venv`, ignores PIP_* variables).
    const pipLog = (n: number) => path.join(work, `pip-${n}.log`);
    const both = [startChild(args, { PIP_LOG: pipLog(1) }), startChild(args, { PIP_LOG: pipLog(2) })];

    // Open the gate once one waits (the lock works) or both build (it does not: let them finish so the asserts say so).
    await until('one process to wait for the other, or both to build', 120_000, () => both.some((c) => has(c, 'wait')) || both.every((c) => has(c, 'build')));
    await writeFile(gate, '');
    await Promise.all(both.map((c) => c.exited));

    const builders = both.filter((c) => has(c, 'build'));
    assert.equal(builders.length, 1, `exactly one process builds; events: ${JSON.stringify(both.map((c) => c.events))}`);
    const [builder] = builders;
    const waiter = both.find((c) => c !== builder)!;
    assert.deepEqual(waiter.events[0], { event: 'wait', ownerPid: builder!.pid }, 'the waiter names the builder');
    for (const c of both) {
      const done = c.events.find((e) => e.event === 'done');
      assert.deepEqual(done, { event: 'done', created: c === builder, imported: TINY_VALUE }, `pid ${c.pid}: ${JSON.stringify(c.events)} ${c.stderr}`);
    }
    const logs = [1, 2].filter((n) => existsSync(pipLog(n)));
    assert.equal(logs.length, 1, 'pip install ran in one process only');
    assert.match(await readFile(pipLog(logs[0]!), 'utf8'), /Successfully installed tinypkg-1\.0/);
    assert.ok(existsSync(path.join(dir, MARKER)));
    assert.equal(existsSync(`${dir}.lock`), false, 'the lock is released');
    assert.deepEqual((await readdir(path.dirname(dir))).sort(), ['tiny-py3'], 'no temporary lock files are left beside the venv');
  });

  it('takes over a lock left by a killed builder and builds the venv over its half-built directory', async () => {
    const work = scratch();
    const lockFile = await writeTinyLock(work);
    const dir = path.join(work, 'venv');
    await mkdir(path.join(dir, 'bin'), { recursive: true });
    await writeFile(path.join(dir, 'bin', 'half-written'), '');
    await writeLock(`${dir}.lock`, await deadProcess());
    const waits: LockWait[] = [];
    const venv = await ensureVenv({ dir, python: { path: 'python3', version: 'test' }, lockFile, pipCacheDir: path.join(work, 'pip'), onWait: (w) => waits.push(w) });
    assert.equal(venv.created, true);
    assert.deepEqual(waits, [], 'a dead owner is not waited for');
    const r = spawnSync(venv.python, ['-c', `import ${TINY_MODULE}; print(${TINY_MODULE}.VALUE)`], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), TINY_VALUE, r.stderr);
    assert.equal(existsSync(path.join(dir, 'bin', 'half-written')), false);
    assert.equal(existsSync(`${dir}.lock`), false);
  });

  it('is cancelled while it waits for a live builder, leaving that builder’s lock and directory alone', async () => {
    const work = scratch();
    const dir = path.join(work, 'venv');
    const owner = liveProcess();
    const held = await writeLock(`${dir}.lock`, owner.identity, 'live-builder');
    const abort = new AbortController();
    const waits: LockWait[] = [];
    let built = false;
    await assert.rejects(
      ensureVenv({
        dir,
        python: { path: 'python3', version: 'test' },
        lockFile: path.join(work, 'never-read.lock'),
        pipCacheDir: path.join(work, 'pip'),
        signal: abort.signal,
        onWait: (w) => {
          waits.push(w);
          abort.abort();
        },
        onBuild: () => (built = true),
      }),
      (e: Error & { code?: string }) => e.code === 'CANCELLED' && /waiting for another airflow-aws to finish building the virtualenv/.test(e.message),
    );
    assert.deepEqual(waits, [{ building: `the virtualenv ${dir}`, lockFile: `${dir}.lock`, ownerPid: owner.identity.pid }]);
    assert.equal(built, false);
    assert.equal(await readFile(`${dir}.lock`, 'utf8'), held, 'the live owner keeps its lock');
    assert.equal(existsSync(dir), false);
  });

  it('releases the lock when the build fails (pip refuses a wrong hash), leaving no directory', async () => {
    const work = scratch();
    const lockFile = await writeTinyLock(work, { hash: '0'.repeat(64) });
    const dir = path.join(work, 'venv');
    await assert.rejects(
      ensureVenv({ dir, python: { path: 'python3', version: 'test' }, lockFile, pipCacheDir: path.join(work, 'pip') }),
      (e: Error & { code?: string }) => e.code === 'VENV_INSTALL_FAILED',
    );
    assert.equal(existsSync(`${dir}.lock`), false);
    assert.equal(existsSync(dir), false);
  });
});

describe('the CLI behind a build lock', () => {
  it('dev parse --native says it waits for the airflow-aws building its virtualenv, and stops on Ctrl-C leaving that build alone', async () => {
    const project = scratch();
    const cache = scratch();
    const python = hostPython();
    const configFile = path.join(project, 'airflow-aws.yaml');
    await writeFile(configFile, `name: waits\nregion: us-east-1\nairflow:\n  python: "${python}"\n`);
    await mkdir(path.join(project, 'dags'));
    // A fresh hashed lock for this config (what `image lock` writes); nothing is installed from it here.
    const lockText = renderLockFile(lockRequest(await loadConfig(configFile), ''), `apache-airflow==3.0.0 --hash=sha256:${'a'.repeat(64)}\n`);
    await writeFile(path.join(project, 'airflow-aws.lock'), lockText);
    const dir = venvDir(cache, createHash('sha256').update(lockText).digest('hex'), python);
    await mkdir(path.dirname(dir), { recursive: true });
    const owner = liveProcess();
    const held = await writeLock(`${dir}.lock`, owner.identity, 'live-dev-up');

    const cli = spawn(process.execPath, [CLI, 'dev', 'parse', '--native'], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1', AIRFLOW_AWS_CACHE: cache },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(cli);
    let stderr = '';
    cli.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
    await until('the wait message', 60_000, () => stderr.includes('waiting for another airflow-aws'));
    cli.kill('SIGINT');
    const code = await exited;

    assert.match(stderr, new RegExp(`waiting for another airflow-aws \\(pid ${owner.identity.pid}\\) to finish building the virtualenv ${dir}`));
    assert.equal(stderr.match(/waiting for another airflow-aws \(pid/g)?.length, 1, `said once: ${stderr}`);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /cancelled/);
    assert.equal(await readFile(`${dir}.lock`, 'utf8'), held);
    assert.equal(existsSync(dir), false);
  });
});

describe('build lock takeover', { timeout: 60_000 }, () => {
  const stale: [string, (lockFile: string) => Promise<unknown>][] = [
    ['whose owner was killed', async (f) => writeLock(f, await deadProcess())],
    ['whose owner has exited but is not reaped yet (a zombie)', async (f) => writeLock(f, await zombieProcess())],
    // A live process with another start time: the pid was reused after the owner died.
    ['whose pid now names another process', async (f) => writeLock(f, { ...liveProcess().identity, startTicks: 1 })],
    ['that airflow-aws did not write', (f) => writeFile(f, '')],
  ];
  for (const [name, leave] of stale) {
    it(`takes over a lock ${name} without waiting, and releases it after the build`, async () => {
      const lockFile = path.join(scratch(), 'thing.lock');
      await leave(lockFile);
      const waits: LockWait[] = [];
      let heldDuringBuild = '';
      const got = await withBuildLock(lockFile, { building: 'a thing', onWait: (w) => waits.push(w) }, async () => {
        heldDuringBuild = await readFile(lockFile, 'utf8');
        return 'built';
      });
      assert.equal(got, 'built');
      assert.deepEqual(waits, []);
      assert.match(heldDuringBuild, new RegExp(`"pid":${process.pid},`), 'this process held the lock while building');
      assert.equal(existsSync(lockFile), false);
    });
  }
});

describe('image tools and wheelhouse build lock', () => {
  it('image lock waits for another process building the tool virtualenv, then reuses it without building', async () => {
    const cacheDir = scratch();
    const venv = path.join(cacheDir, 'tools', `uv-${UV_VERSION}`);
    await mkdir(path.dirname(venv), { recursive: true });
    await writeLock(`${venv}.lock`, liveProcess().identity, 'live-builder');
    const waits: LockWait[] = [];
    // An interpreter that does not exist: building here instead of reusing would fail.
    const ensured = ensurePythonTools({ cacheDir, python: path.join(cacheDir, 'no-python'), onWait: (w) => waits.push(w) });
    await until('the wait to be reported', 10_000, () => waits.length > 0);
    // What the other process does when it finishes: the marker, then the lock goes.
    await mkdir(venv, { recursive: true });
    await writeFile(path.join(venv, '.airflow-aws-complete'), '');
    await rm(`${venv}.lock`);
    assert.equal((await ensured).venv, venv);
    assert.match(waits[0]!.building, /^the tool virtualenv /);
    assert.equal(existsSync(`${venv}.lock`), false);
  });

  it('image wheelhouse waits for another download into the same folder and can be cancelled there', async () => {
    const work = scratch();
    const out = path.join(work, 'wheels');
    const held = await writeLock(`${out}.lock`, liveProcess().identity, 'live-download');
    const abort = new AbortController();
    const waits: LockWait[] = [];
    const tools = { venv: work, uv: path.join(work, 'no-uv'), pip: path.join(work, 'no-pip') };
    await assert.rejects(
      downloadWheelhouse(tools, path.join(work, 'never-read.lock'), { python: '3.12', platform: 'linux/amd64' }, out, {
        cacheDir: work,
        signal: abort.signal,
        onWait: (w) => {
          waits.push(w);
          abort.abort();
        },
      }),
      (e: Error & { code?: string }) => e.code === 'CANCELLED',
    );
    assert.deepEqual(waits.map((w) => w.building), [`the wheelhouse ${out}`]);
    assert.equal(await readFile(`${out}.lock`, 'utf8'), held);
  });
});
