/**
 * Airflow's Secrets Manager backend, for real: a connection and a variable written with `airflow-aws secrets`
 * (values on stdin) into moto's Secrets Manager are read by a task of real Airflow (`dev up --native`, pointed at
 * moto with --secrets-endpoint) through the provider's SecretsManagerBackend. Nowhere else holds them: not the
 * metadata database, not the environment. One Airflow serves every assertion, in order.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { formatLogContent } from '../../../src/dev/api-shapes.js';
import { SECRETS_MANAGER_BACKEND } from '../../../src/config/secrets-backend.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { createDevProject, type DevProject } from '../../support/dev-project.js';
import { freePort, startMoto, type MotoServer } from '../../support/moto.js';

let project: DevProject;
let moto: MotoServer;

// Fresh per run, so a pass cannot come from an earlier run's leftovers.
const password = `pw/${randomBytes(9).toString('base64url')}@:`;
const token = `tok-${randomBytes(12).toString('hex')}`;
const conn = { type: 'postgres', host: 'probe-host.example', login: 'probe-user', port: 6543, schema: 'probe_schema' };
const uri = `${conn.type}://${conn.login}:${encodeURIComponent(password)}@${conn.host}:${conn.port}/${conn.schema}`;

/** Every output of a `secrets` command, for the hygiene check at the end. */
const outputs: { args: string; text: string }[] = [];

async function secrets(args: string[], input = ''): Promise<CliResult> {
  // The CLI finds moto through AWS_ENDPOINT_URL, as the SDK does for any endpoint override.
  const r = await runCli(['secrets', ...args], { cwd: project.dir, env: { ...project.env, ...moto.env }, input, killAfterMs: 60_000 });
  outputs.push({ args: args.join(' '), text: r.stdout + r.stderr });
  return r;
}

describe('Airflow reads connections and variables written by `airflow-aws secrets` through the Secrets Manager backend', { timeout: 3_600_000 }, () => {
  before(async () => {
    moto = await startMoto();
    project = await createDevProject({ name: 'sectest', dags: ['dags/secrets_probe.py'] });
  });

  after(async () => {
    if (project) {
      await project.cli(['dev', 'down', '--purge'], 180_000);
      await rm(project.dir, { recursive: true, force: true });
    }
    await moto?.stop();
  });

  it('set-connection and set-variable store the values given on stdin', async () => {
    const c = await secrets(['set-connection', 'probe_db'], `${uri}\n`);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, new RegExp(`^created connection probe_db \\(airflow-aws/${project.name}/connections/probe_db\\)$`, 'm'));
    const v = await secrets(['set-variable', 'probe_token', '--json'], `${token}\n`);
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual(JSON.parse(v.stdout), { kind: 'variable', name: 'probe_token', secretName: `airflow-aws/${project.name}/variables/probe_token`, action: 'created' });
  });

  it('list shows kind, name and last change of both', async () => {
    const r = await secrets(['list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { kind: string; name: string; lastChanged: string }[];
    assert.deepEqual(rows.map((x) => [x.kind, x.name]), [['connection', 'probe_db'], ['variable', 'probe_token']]);
    for (const x of rows) assert.ok(Math.abs(Date.parse(x.lastChanged) - Date.now()) < 3_600_000, x.lastChanged);
  });

  it('a DAG task reads both through the real SecretsManagerBackend against moto', { timeout: 1_800_000 }, async () => {
    // Airflow gets moto's credentials but not AWS_ENDPOINT_URL: only --secrets-endpoint can lead it to moto.
    const env = { ...project.env, AWS_ACCESS_KEY_ID: moto.env['AWS_ACCESS_KEY_ID'], AWS_SECRET_ACCESS_KEY: moto.env['AWS_SECRET_ACCESS_KEY'] };
    const up = await runCli(['dev', 'up', '--native', '--detach', '--port', String(await freePort()), '--secrets-endpoint', moto.endpoint], {
      cwd: project.dir,
      env,
      killAfterMs: 1_200_000,
    });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, new RegExp(`connections, variables and config: Secrets Manager under airflow-aws/${project.name}/ at ${moto.endpoint.replace(/[.]/g, '\\.')}`));
    // Airflow builds the execution API lazily, on its first request, blocking its only API worker; on a loaded
    // machine that outlasts the task's retries. Build it now, so the run below measures the backend, not that.
    const st = await project.state();
    const warm = await fetch(`http://127.0.0.1:${st.apiPort}/execution/health`, { signal: AbortSignal.timeout(600_000) });
    assert.equal(warm.status, 200);
    const run = await project.cli(['dev', 'run-dag', 'secrets_probe', '--timeout', '300', '--json'], 400_000);
    if (run.code !== 0) {
      const logs = await project.cli(['dev', 'logs', '--tail', '40']);
      assert.fail(`run-dag exited ${run.code}:\n${run.stdout}${run.stderr}\ncomponent logs:\n${logs.stdout}${logs.stderr}`);
    }
    const result = JSON.parse(run.stdout) as { state: string; run_id: string };
    assert.equal(result.state, 'success');
    const log = formatLogContent(await (await project.api()).taskLog('secrets_probe', result.run_id, 'probe', 1));
    assert.ok(log.includes(`secrets backend: ${SECRETS_MANAGER_BACKEND}`), log);
    const expected = createHash('sha256')
      .update([conn.type, conn.host, conn.login, password, String(conn.port), conn.schema, token].join('|'))
      .digest('hex');
    assert.ok(log.includes(`probe digest: ${expected}`), `expected digest ${expected} in:\n${log}`);
  });

  it('delete needs --yes off a terminal, then schedules deletion with a 30-day recovery window', async () => {
    const refused = await secrets(['delete', 'probe_token', '--variable']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /needs a confirmation, but there is no terminal/);
    const r = await secrets(['delete', 'probe_token', '--variable', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as { recoveryWindowDays: number; deletionDate: string };
    assert.equal(d.recoveryWindowDays, 30);
    const days = (Date.parse(d.deletionDate) - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30.01, `deletion in ${days} days`);
    const list = await secrets(['list', '--json']);
    assert.deepEqual((JSON.parse(list.stdout) as { name: string }[]).map((x) => x.name), ['probe_db']);
  });

  it('no output of any secrets command contains a value', () => {
    assert.ok(outputs.length >= 6, `${outputs.length} outputs collected`);
    for (const o of outputs) {
      for (const [what, value] of [['password', password], ['encoded password', encodeURIComponent(password)], ['URI', uri], ['token', token]] as const) {
        assert.ok(!o.text.includes(value), `\`secrets ${o.args}\` printed the ${what}`);
      }
    }
  });
});
