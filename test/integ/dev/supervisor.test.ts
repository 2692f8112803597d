/**
 * The native-mode supervisor against real processes (small node programs standing in for Airflow components):
 * database gate, restart after a crash, clean stop of whole process groups, SIGKILL for a process ignoring SIGTERM.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { groupAlive, Supervisor, type SupervisedState } from '../../../src/adapters/proc/supervisor.js';
import { identify } from '../../../src/adapters/proc/process-identity.js';
import type { ProcessSpec } from '../../../src/dev/plan.js';
import type { ProcessIdentity } from '../../../src/dev/process-identity.js';

let dir: string;

/** A component: writes its pid (and its child's) to a file, optionally crashes on first start, optionally ignores SIGTERM. */
const COMPONENT = `
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const [, , name, dir, mode] = process.argv;
const count = Number(fs.existsSync(dir + '/' + name + '.starts') ? fs.readFileSync(dir + '/' + name + '.starts', 'utf8') : '0') + 1;
fs.writeFileSync(dir + '/' + name + '.starts', String(count));
if (mode === 'crash-once' && count === 1) { console.log('crashing on purpose'); process.exit(3); }
if (mode === 'stubborn') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
const child = spawn('sleep', ['300'], { stdio: 'ignore' });
fs.writeFileSync(dir + '/' + name + '.pids', process.pid + ' ' + child.pid);
console.log(name + ' up');
setInterval(() => {}, 1000);
`;

function spec(name: string, mode: string, needsDatabase: boolean): ProcessSpec {
  return {
    name: name as ProcessSpec['name'],
    argv: [process.execPath, path.join(dir, 'component.cjs'), name, dir, mode],
    env: { PATH: process.env['PATH'] ?? '' },
    stopSignal: 'SIGTERM',
    onCrash: 'kill-group',
    needsDatabase,
  };
}

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pids(name: string): Promise<number[]> {
  return (await readFile(path.join(dir, `${name}.pids`), 'utf8')).split(' ').map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('native supervisor', () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'airflow-aws-supervisor-'));
    await writeFile(path.join(dir, 'component.cjs'), COMPONENT);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('holds database-gated components until the gate passes, restarts a crashed one, and stops every process group', async () => {
    let dbUp = false;
    let last: readonly SupervisedState[] = [];
    const sup = new Supervisor([spec('postgres', 'steady', false), spec('scheduler', 'crash-once', true)], {
      logsDir: path.join(dir, 'logs'),
      databaseReady: async () => dbUp,
      databasePollMs: 100,
      stopTimeoutMs: 5000,
      onChange: (s) => (last = s),
    });
    sup.start();
    await until('postgres to start', () => existsSync(path.join(dir, 'postgres.pids')));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(existsSync(path.join(dir, 'scheduler.starts')), false, 'the gated component started before the database was ready');
    dbUp = true;
    // First start crashes (exit 3); the supervisor restarts it after the 1 s back-off.
    await until('the scheduler to come back after its crash', () => existsSync(path.join(dir, 'scheduler.pids')));
    assert.equal(await readFile(path.join(dir, 'scheduler.starts'), 'utf8'), '2');
    assert.equal(last.find((s) => s.name === 'scheduler')?.restarts, 1);
    const log = await readFile(path.join(dir, 'logs', 'scheduler.log'), 'utf8');
    assert.match(log, /waiting for the metadata database/);
    assert.match(log, /crashing on purpose/);
    assert.match(log, /exited \(exit code 3\).*restarting in 1 s/);

    const all = [...(await pids('postgres')), ...(await pids('scheduler'))];
    assert.ok(all.every(alive));
    await sup.stop();
    assert.ok(all.every((p) => !alive(p)), 'a component or one of its children outlived stop()');
    assert.ok(last.every((s) => s.state === 'stopped'));
  });

  it('kills a component that ignores its stop signal once the grace period ends', async () => {
    const sup = new Supervisor([spec('triggerer', 'stubborn', false)], {
      logsDir: path.join(dir, 'logs'),
      databaseReady: async () => true,
      stopTimeoutMs: 1000,
    });
    sup.start();
    await until('the stubborn component to start', () => existsSync(path.join(dir, 'triggerer.pids')));
    const [pid, child] = await pids('triggerer');
    await sup.stop();
    assert.equal(alive(pid!), false);
    assert.equal(alive(child!), false);
    assert.equal(groupAlive(pid!), false);
    assert.match(await readFile(path.join(dir, 'logs', 'triggerer.log'), 'utf8'), /ignoring SIGTERM/);
  });

  it('starts its own log lines with a UTC timestamp, names the absolute executable, and records each leader\'s identity', async () => {
    // A bare command name, found on the child's PATH the way spawn finds it: the log must say which file ran.
    const bare = { ...spec('dag-processor', 'steady', false), argv: [path.basename(process.execPath), path.join(dir, 'component.cjs'), 'dag-processor', dir, 'steady'] };
    const withPath = { ...bare, env: { PATH: `/nonexistent${path.delimiter}${path.dirname(process.execPath)}` } };
    let identities: readonly ProcessIdentity[] = [];
    const sup = new Supervisor([withPath], {
      logsDir: path.join(dir, 'logs'),
      databaseReady: async () => true,
      stopTimeoutMs: 2000,
      onChange: (_s, _g, ids) => (identities = ids.length ? ids : identities),
    });
    sup.start();
    await until('the component to start', () => existsSync(path.join(dir, 'dag-processor.pids')));
    const [pid] = await pids('dag-processor');
    assert.deepEqual(identities, [identify(pid!)]);
    await sup.stop();
    const lines = (await readFile(path.join(dir, 'logs', 'dag-processor.log'), 'utf8')).split('\n');
    const starting = lines.find((l) => l.includes('starting:'));
    assert.ok(starting, lines.join('\n'));
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[airflow-aws supervisor\] starting: (\S+) /.exec(starting);
    assert.ok(m, `not a timestamped supervisor line: ${starting}`);
    assert.ok(Math.abs(Date.parse(m[1]!) - Date.now()) < 60_000, `timestamp ${m[1]} is not now in UTC`);
    assert.ok(path.isAbsolute(m[2]!), `the executable is not an absolute path: ${m[2]}`);
    assert.equal(m[2], process.execPath);
    for (const l of lines.filter((x) => x.includes('[airflow-aws supervisor]'))) assert.match(l, /^\d{4}-\d\d-\d\dT[\d:.]+Z /);
  });
});
