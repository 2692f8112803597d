/**
 * PID reuse safety of `dev down` and `dev up --native`'s stale-state clean-up, through the real CLI against real
 * processes: a live `sleep` in its own process group stands in for a stranger that got the pid of a supervisor or
 * component recorded in the state file (after a reboot or a pid wrap-around).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { identify } from '../../../src/adapters/proc/process-identity.js';
import type { ProcessIdentity } from '../../../src/dev/process-identity.js';
import { runCli, tempDir } from '../../support/cli.js';

const children: ChildProcess[] = [];
const orphans: number[] = [];
const dirs: string[] = [];

/** A live process leading its own group (what the supervisor and every component are), with its real identity. */
function liveProcess(): { child: ChildProcess; pid: number; identity: ProcessIdentity } {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  children.push(child);
  const pid = child.pid!;
  const identity = identify(pid);
  assert.ok(identity, `cannot read /proc/${pid}/stat: this test needs Linux`);
  return { child, pid, identity };
}

/** Still running and never signalled: no exit seen (a SIGTERM, SIGINT, SIGHUP or SIGKILL ends a sleep). */
async function assertUntouched(p: { child: ChildProcess; pid: number }, what: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 300)); // let a SIGCHLD from a signal sent by the CLI arrive
  assert.equal(p.child.exitCode, null, `${what} (pid ${p.pid}) exited`);
  assert.equal(p.child.signalCode, null, `${what} (pid ${p.pid}) was killed by ${p.child.signalCode}`);
  process.kill(p.pid, 0);
}

async function exitSignal(child: ChildProcess, ms = 20_000): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.signalCode;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`pid ${child.pid} still running after ${ms} ms`)), ms);
    child.once('exit', (_code, signal) => {
      clearTimeout(t);
      resolve(signal);
    });
  });
}

async function project(state: Record<string, unknown>): Promise<{ dir: string; stateFile: string }> {
  const dir = tempDir('airflow-aws-pidreuse-');
  dirs.push(dir);
  await writeFile(path.join(dir, 'airflow-aws.yaml'), 'name: pidreuse\nregion: us-east-1\n');
  const stateDir = path.join(dir, '.airflow-aws', 'dev');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const stateFile = path.join(stateDir, 'state.json');
  await writeFile(
    stateFile,
    JSON.stringify({ version: 1, mode: 'native', airflowMajor: 3, apiPort: 1, startedAt: new Date().toISOString(), ...state }),
    { mode: 0o600 },
  );
  return { dir, stateFile };
}

describe('PID reuse safety', () => {
  after(async () => {
    const live = children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => -c.pid!);
    for (const target of [...live, ...orphans]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('dev down leaves alone a live supervisor pid and group whose start time or boot differ, and forgets the state', async () => {
    const supervisor = liveProcess();
    const group = liveProcess();
    const { dir, stateFile } = await project({
      supervisorPid: supervisor.pid,
      groups: [group.pid],
      components: [{ name: 'scheduler', pid: group.pid, restarts: 0, state: 'running' }],
      identities: [
        { ...supervisor.identity, startTicks: supervisor.identity.startTicks - 1 },
        { ...group.identity, bootId: '00000000-0000-4000-8000-000000000000' },
      ],
    });
    const r = await runCli(['--verbose', 'dev', 'down'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    await assertUntouched(supervisor, 'the process holding the supervisor pid');
    await assertUntouched(group, 'the process holding the group id');
    assert.equal(existsSync(stateFile), false, 'the stale state was kept');
    assert.match(r.stderr, new RegExp(`not signalling the recorded supervisor pid ${supervisor.pid}: it is not ours \\(the pid was reused`));
    assert.match(r.stderr, new RegExp(`not signalling process group ${group.pid}: it is not ours \\(.*reboot`));
  });

  it('dev down never signals the bare pids of an old-format state file, warns, and forgets the state', async () => {
    const supervisor = liveProcess();
    const group = liveProcess();
    const { dir, stateFile } = await project({ supervisorPid: supervisor.pid, groups: [group.pid] });
    const r = await runCli(['dev', 'down'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    await assertUntouched(supervisor, 'the process holding the supervisor pid');
    await assertUntouched(group, 'the process holding the group id');
    assert.equal(existsSync(stateFile), false);
    assert.match(r.stderr, /warning: not signalling the recorded supervisor pid \d+: the state file records no identity for it/);
    assert.match(r.stderr, /warning: not signalling process group \d+: the state file records no identity for it/);
  });

  it('dev down stops a supervisor and a group whose recorded identity matches', async () => {
    const supervisor = liveProcess();
    const group = liveProcess();
    const { dir, stateFile } = await project({
      supervisorPid: supervisor.pid,
      groups: [group.pid],
      identities: [supervisor.identity, group.identity],
    });
    const r = await runCli(['dev', 'down'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await exitSignal(supervisor.child), 'SIGTERM');
    assert.equal(await exitSignal(group.child), 'SIGTERM');
    assert.equal(existsSync(stateFile), false);
  });

  it('dev down returns only once the supervisor is gone, not merely exited and waiting to be reaped', async () => {
    // Like a `--detach` supervisor: its parent has exited, so init reaps it, when it gets round to it.
    const r0 = spawnSync('sh', ['-c', 'sleep 60 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
    const pid = Number(r0.stdout.trim());
    orphans.push(pid);
    const identity = identify(pid);
    assert.ok(identity);
    const { dir } = await project({ supervisorPid: pid, groups: [], identities: [identity] });
    const r = await runCli(['dev', 'down'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `pid ${pid} still exists (a zombie?) after dev down returned`);
  });

  it('dev up --native does not take a reused supervisor pid for a running environment, and cleans up without signalling', async () => {
    const supervisor = liveProcess();
    const group = liveProcess();
    const { dir, stateFile } = await project({
      supervisorPid: supervisor.pid,
      groups: [group.pid],
      identities: [
        { ...supervisor.identity, startTicks: supervisor.identity.startTicks + 1 },
        { ...group.identity, startTicks: group.identity.startTicks + 1 },
      ],
    });
    // A busy port makes `dev up` stop right after the stale-state clean-up, before it builds anything.
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen({ host: '127.0.0.1', port: 0 }, r));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['--verbose', 'dev', 'up', '--native', '--port', String(port)], { cwd: dir });
      assert.doesNotMatch(r.stderr, /already running/);
      assert.match(r.stderr, new RegExp(`port ${port} on 127.0.0.1 is in use`));
      assert.match(r.stderr, /not signalling process group \d+: it is not ours/);
    } finally {
      busy.close();
    }
    await assertUntouched(supervisor, 'the process holding the supervisor pid');
    await assertUntouched(group, 'the process holding the group id');
    assert.equal(existsSync(stateFile), false);
  });
});
