/**
 * `airflow-aws secrets` through the real binary against moto's Secrets Manager: what is stored under which name,
 * what `list` shows, how bad input and deletion are handled — and that no output of any of these commands, success
 * or failure, contains a value.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CLI, runCli, tempDir, type CliResult } from '../../support/cli.js';
import { startMoto, type MotoServer } from '../../support/moto.js';

let moto: MotoServer;
let sm: SecretsManagerClient;
let dir: string;
const name = `sec${randomBytes(3).toString('hex')}`;

const password = `P@ss:${randomBytes(8).toString('hex')}/x`;
const uri = `postgres://etl:${encodeURIComponent(password)}@db.internal:5432/warehouse`;
const jsonConn = JSON.stringify({ conn_type: 'aws', login: 'AKIDEXAMPLE', password: `json-${password}`, extra: { region_name: 'eu-west-1' } });
const token = `tok-${randomBytes(10).toString('hex')}`;
const fileValue = `file-${randomBytes(10).toString('hex')}`;
const VALUES = [password, encodeURIComponent(password), uri, jsonConn, `json-${password}`, token, fileValue];

const outputs: { args: string; text: string }[] = [];

async function secrets(args: string[], input = ''): Promise<CliResult> {
  const r = await runCli(['secrets', ...args], { cwd: dir, env: moto.env, input, killAfterMs: 60_000 });
  outputs.push({ args: args.join(' '), text: r.stdout + r.stderr });
  return r;
}

/**
 * The CLI on a pseudo-terminal (util-linux `script`), answering `answer` to its prompt: the typed confirmation a
 * person gives. `script -e` exits with the command's code.
 */
function onTerminal(args: string[], answer: string): Promise<{ code: number | null; text: string }> {
  const child = spawn('script', ['-qec', [process.execPath, CLI, ...args].join(' '), '/dev/null'], {
    cwd: dir,
    env: { ...process.env, ...moto.env, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  child.stdin.end(`${answer}\n`);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, text }))));
}

const value = async (id: string) => (await sm.send(new GetSecretValueCommand({ SecretId: id }))).SecretString;

describe('secrets commands against moto', { timeout: 300_000 }, () => {
  before(async () => {
    moto = await startMoto();
    sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    dir = tempDir();
    writeFileSync(path.join(dir, 'airflow-aws.yaml'), `name: ${name}\nregion: us-east-1\n`);
    writeFileSync(path.join(dir, 'value.txt'), `${fileValue}\n`);
  });

  after(async () => {
    sm?.destroy();
    await moto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores a URI connection, a JSON connection and a variable under the deployment prefixes, tagged', async () => {
    assert.equal((await secrets(['set-connection', 'warehouse'], `${uri}\n`)).code, 0);
    assert.equal((await secrets(['set-connection', 'reports_aws'], jsonConn)).code, 0);
    const v = await secrets(['set-variable', 'api_token'], `${token}\n`);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(await value(`airflow-aws/${name}/connections/warehouse`), uri);
    assert.equal(await value(`airflow-aws/${name}/connections/reports_aws`), jsonConn);
    assert.equal(await value(`airflow-aws/${name}/variables/api_token`), token, 'the trailing newline is not part of it');
    const d = await sm.send(new DescribeSecretCommand({ SecretId: `airflow-aws/${name}/variables/api_token` }));
    assert.deepEqual(d.Tags, [{ Key: 'airflow-aws:deployment', Value: name }]);
  });

  it('updates an existing secret (a new version) and reads --file', async () => {
    const r = await secrets(['set-variable', 'api_token', '--file', 'value.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^updated variable api_token /m);
    assert.equal(await value(`airflow-aws/${name}/variables/api_token`), fileValue);
  });

  it('list prints kind, name and last change, sorted, without values', async () => {
    // Under the deployment prefix but not Airflow's (the RDS master secret), and another deployment's: not listed.
    await sm.send(new CreateSecretCommand({ Name: `airflow-aws/${name}/database`, SecretString: '{"password": "db"}' }));
    await sm.send(new CreateSecretCommand({ Name: `airflow-aws/${name}x/connections/other`, SecretString: 'http://other' }));
    const r = await secrets(['list']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^KIND\s+NAME\s+LAST CHANGED$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2)), [['connection', 'reports_aws'], ['connection', 'warehouse'], ['variable', 'api_token']]);
    for (const l of lines.slice(1)) assert.match(l, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
  });

  const badInput: [string, string[], string, RegExp][] = [
    ['a connection that is neither URI nor JSON', ['set-connection', 'bad'], password, /neither a URI/],
    ['a JSON connection with a key the backend drops', ['set-connection', 'bad'], JSON.stringify({ conn_type: 'postgres', password, description: 'x' }), /does not read: "description"/],
    ['broken JSON', ['set-connection', 'bad'], `{"conn_type": "postgres", "password": ${password}}`, /not valid JSON/],
    ['a connection id with "/"', ['set-connection', 'a/b'], uri, /connection id "a\/b" has characters/],
    ['an empty variable', ['set-variable', 'empty'], '\n', /variable value is empty/],
    ['a missing --file', ['set-variable', 'x', '--file', 'nope.txt'], '', /cannot read --file nope\.txt: ENOENT/],
  ];
  for (const [what, args, input, message] of badInput) {
    it(`refuses ${what} with exit 2 and stores nothing`, async () => {
      const r = await secrets(args, input);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
    });
  }

  it('stored nothing for refused input', async () => {
    const r = await secrets(['list', '--json']);
    assert.deepEqual((JSON.parse(r.stdout) as { name: string }[]).map((x) => x.name), ['reports_aws', 'warehouse', 'api_token']);
  });

  it('delete refuses without --yes off a terminal, and a name that does not exist', async () => {
    const r = await secrets(['delete', 'warehouse']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs a confirmation, but there is no terminal/);
    assert.match(r.stderr, /--yes/);
    const missing = await secrets(['delete', 'api_token', '--yes']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /there is no connection "api_token"/);
    assert.match(missing.stderr, /a variable needs --variable/);
    assert.equal((await secrets(['delete', 'x', '--recovery-window', '3', '--yes'])).code, 2);
  });

  it('delete on a terminal asks for the name: a wrong answer changes nothing (exit 1), the name deletes', async () => {
    const wrong = await onTerminal(['secrets', 'delete', 'reports_aws'], 'reports');
    assert.equal(wrong.code, 1, wrong.text);
    assert.match(wrong.text, /type "reports_aws" to confirm/);
    assert.match(wrong.text, /nothing changed/);
    assert.equal(await value(`airflow-aws/${name}/connections/reports_aws`), jsonConn);
    const right = await onTerminal(['secrets', 'delete', 'reports_aws'], 'reports_aws');
    assert.equal(right.code, 0, right.text);
    assert.match(right.text, /scheduled connection reports_aws .* for deletion on /);
    const d = await sm.send(new DescribeSecretCommand({ SecretId: `airflow-aws/${name}/connections/reports_aws` }));
    assert.ok(d.DeletedDate);
    outputs.push({ args: 'delete reports_aws (terminal)', text: wrong.text + right.text });
  });

  it('delete schedules deletion with the recovery window given; the secret is then restorable, not gone', async () => {
    const r = await secrets(['delete', 'api_token', '--variable', '--yes', '--recovery-window', '7', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { recoveryWindowDays: number; deletionDate: string };
    assert.equal(out.recoveryWindowDays, 7);
    const d = await sm.send(new DescribeSecretCommand({ SecretId: `airflow-aws/${name}/variables/api_token` }));
    assert.ok(d.DeletedDate, 'marked for deletion, still describable');
    const days = (Date.parse(out.deletionDate) - Date.now()) / 86_400_000;
    assert.ok(days > 6 && days <= 7.01, `deleted in ${days} days`);
    assert.match(r.stderr, /restore-secret --secret-id airflow-aws\/.*\/variables\/api_token/);
    const again = await secrets(['set-variable', 'api_token'], 'new');
    assert.equal(again.code, 2);
    assert.match(again.stderr, /scheduled for deletion/);
    assert.match(again.stderr, /restore-secret/);
  });

  for (const bad of ['ftp://127.0.0.1:4566', 'http://user:pw@127.0.0.1:4566', 'localhost:4566']) {
    it(`dev up refuses --secrets-endpoint ${bad} with exit 2 before starting anything`, async () => {
      const r = await runCli(['dev', 'up', '--native', '--secrets-endpoint', bad], { cwd: dir, env: moto.env, killAfterMs: 60_000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--secrets-endpoint <url>' argument .* is invalid\. must be an http\(s\) URL/);
    });
  }

  it('no output of any secrets command contains a value', () => {
    assert.ok(outputs.length >= 15, `${outputs.length} outputs`);
    for (const o of outputs) {
      for (const v of VALUES) assert.ok(!o.text.includes(v), `\`secrets ${o.args}\` printed a value`);
    }
  });
});
