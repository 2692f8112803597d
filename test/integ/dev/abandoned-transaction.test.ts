/**
 * The native dev PostgreSQL ends a transaction its client abandoned, so its locks do not outlive it.
 *
 * Why this matters: a scheduler killed inside a transaction leaves its socket open in the LocalExecutor workers it
 * forked (Airflow keeps the parent's connections in a forked child), so the server keeps the transaction and its row
 * locks, and the restarted scheduler never gets the dag run back (e2e/dev/native's scheduler-kill case hung on this).
 * The server cannot tell that client from one that is only slow: here a live `psql` that takes a lock and then goes
 * quiet stands for it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findPostgres, IDLE_IN_TRANSACTION_TIMEOUT_SECONDS, PG_DATABASE, PG_USER } from '../../../src/adapters/postgres/native.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { waitFor } from '../../support/dev-project.js';

describe('native dev PostgreSQL and an abandoned transaction', { timeout: 300_000 }, () => {
  let pg: PostgresServer | undefined;
  const psql = path.join(findPostgres().binDir, 'psql');
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, PGPASSWORD: pg!.password });
  const args = (): string[] => ['-h', '127.0.0.1', '-p', String(pg!.port), '-U', PG_USER, '-d', PG_DATABASE, '-X', '-q', '-v', 'ON_ERROR_STOP=1'];
  /** One statement in a fresh session; exit 0 when it ran. Output: bare values, `|` between columns. */
  const sql = (statement: string) => spawnSync(psql, [...args(), '-tA', '-c', statement], { env: env(), encoding: 'utf8', timeout: 30_000 });

  before(async () => {
    pg = await startPostgres();
    const r = sql('CREATE TABLE dag_run_like (id int PRIMARY KEY); INSERT INTO dag_run_like VALUES (1);');
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => {
    await pg?.stop();
  });

  it(`runs with idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_TIMEOUT_SECONDS} s, from the command line the adapter builds`, () => {
    // A fresh session's view of the server started with postgresArgv (what `dev up --native` runs): the value, and
    // that it came from the command line rather than a default or a file.
    const r = sql("SELECT setting, unit, source FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout'");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${IDLE_IN_TRANSACTION_TIMEOUT_SECONDS * 1000}|ms|command line`);
  });

  it('ends a transaction left idle past the timeout, so another session can take its row lock', async () => {
    // The abandoned client: it locks the row the way the scheduler's SKIP LOCKED queries do, then sends nothing more
    // while keeping its connection open (stdin stays open, so psql waits).
    const holder = spawn(psql, args(), { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let holderOut = '';
    let holderErr = '';
    holder.stdout.on('data', (d: Buffer) => (holderOut += d.toString()));
    holder.stderr.on('data', (d: Buffer) => (holderErr += d.toString()));
    holder.stdin.write("BEGIN;\nSELECT id FROM dag_run_like WHERE id = 1 FOR UPDATE;\n\\echo locked\n");
    await waitFor('the holder to take the lock', async () => holderOut.includes('locked'), 30_000);

    const tryLock = () => sql('BEGIN; SELECT id FROM dag_run_like WHERE id = 1 FOR UPDATE NOWAIT; COMMIT;');
    const first = tryLock();
    assert.notEqual(first.status, 0, 'the row should be locked while the holder is idle in its transaction');
    assert.match(first.stderr, /could not obtain lock/);

    // The server's timeout (checked above) shortened for this session only, once the lock is seen held, so the
    // test waits a second instead of a minute; the server applies it at the holder's next idle moment.
    holder.stdin.write("SET idle_in_transaction_session_timeout = '1s';\n\\echo shortened\n");
    await waitFor('the holder to shorten its timeout', async () => holderOut.includes('shortened'), 30_000);

    await waitFor('the row lock to be released', async () => tryLock().status === 0, 60_000);
    // The server, not the client, ended it: the holder is still running, and learns why when it speaks again.
    assert.equal(holder.exitCode, null, 'the holder process should still be alive');
    holder.stdin.end('SELECT 1;\n');
    await new Promise((r) => (holder.exitCode !== null ? r(undefined) : holder.once('exit', r)));
    assert.match(holderErr, /idle-in-transaction timeout/);
  });
});
