/**
 * `airflow-aws users` on the cluster path, through the real binary and client-node's exec, against a fake API
 * server that records what arrives (test/support/fake-kube-exec.ts): the harness's kube-apiserver has no kubelet
 * and cannot exec. What is proven here is what is sent — the pod and container, the command (no secret in it), the
 * request with the password on stdin only — and how each answer reads. That the helper really adds a user and
 * resets a password in Airflow is proven with real Airflow in test/e2e/dev/native-fab.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { USERS_MARKER, USERS_SCRIPT } from '../../../src/users/request.js';
import { CLI, runCli, tempDir, type CliResult } from '../../support/cli.js';
import { FAKE_POD, startFakeKubeExec, type ExecCall, type ExecReply, type FakeKubeExec } from '../../support/fake-kube-exec.js';

const PASSWORD = `pw:${randomBytes(8).toString('hex')}/"é`;
let dir: string;
let next: (call: ExecCall) => ExecReply = () => ({ exitCode: 0 });
const fakes: FakeKubeExec[] = [];

async function fake(protocol?: 'v4.channel.k8s.io' | 'v5.channel.k8s.io'): Promise<{ fake: FakeKubeExec; kubeconfig: string }> {
  const f = await startFakeKubeExec((c) => next(c), protocol ? { protocol } : {});
  fakes.push(f);
  const kubeconfig = path.join(dir, `kubeconfig-${fakes.length}.yaml`);
  writeFileSync(kubeconfig, f.kubeconfigYaml());
  return { fake: f, kubeconfig };
}

function users(args: string[], input: string, config = 'airflow-aws.yaml'): Promise<CliResult> {
  return runCli(['-c', config, 'users', ...args], { cwd: dir, input, killAfterMs: 60_000 });
}

/**
 * The CLI on a pseudo-terminal (util-linux `script`), typing each answer once its prompt shows: a person at the
 * keyboard. `script -e` exits with the command's code; `text` is everything the terminal showed.
 */
function onTerminal(args: string[], answers: [RegExp, string][]): Promise<{ code: number | null; text: string }> {
  const child = spawn('script', ['-qec', [process.execPath, CLI, ...args].join(' '), '/dev/null'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  const pending = [...answers];
  const onData = (d: Buffer): void => {
    text += d.toString();
    while (pending.length && pending[0]![0].test(text)) child.stdin.write(`${pending.shift()![1]}\r`);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, text }))));
}

const answer = (outcome: string, extra = ''): ExecReply => ({ exitCode: 0, stdout: `INFO - some log line\n${USERS_MARKER}{"outcome": "${outcome}"${extra}}\n` });

describe('users on the cluster path (exec into the api-server pod)', { timeout: 120_000 }, () => {
  before(() => {
    dir = tempDir();
    writeFileSync(path.join(dir, 'airflow-aws.yaml'), 'name: usersdemo\nregion: us-east-1\n');
    writeFileSync(path.join(dir, 'simple.yaml'), 'name: usersdemo\nregion: us-east-1\nairflow:\n  auth: simple\n');
  });
  after(async () => {
    for (const f of fakes) await f.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('add: runs the helper in the api-server container with the request, password included, on stdin only (v4 protocol)', async () => {
    const { fake: f, kubeconfig } = await fake('v4.channel.k8s.io');
    next = () => answer('added');
    const r = await users(['add', 'ada', '--role', 'Op', '--email', 'ada@example.com', '--first-name', 'Ada', '--kubeconfig', kubeconfig], `${PASSWORD}\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `added ada with role Op (pod airflow/${FAKE_POD})`);
    assert.equal(f.execs.length, 1);
    const call = f.execs[0]!;
    assert.equal(call.path, `/api/v1/namespaces/airflow/pods/${FAKE_POD}/exec`);
    assert.equal(call.query.get('container'), 'api-server');
    assert.deepEqual(call.query.getAll('command'), ['/opt/venv/bin/python', '-c', USERS_SCRIPT]);
    assert.equal(call.query.get('stdin'), 'true');
    assert.equal(call.query.get('tty'), 'false');
    assert.deepEqual(JSON.parse(call.stdin), { action: 'add', username: 'ada', role: 'Op', email: 'ada@example.com', firstName: 'Ada', lastName: '', password: PASSWORD });
    // Not in any URL (the API server's audit log keeps those), not in any output.
    for (const line of f.requests) assert.ok(!line.includes(encodeURIComponent(PASSWORD)) && !line.includes(PASSWORD), line);
    assert.ok(!(r.stdout + r.stderr).includes(PASSWORD));
  });

  it('reset-password: the same over v5 (stdin is never half-closed; the helper reads one line)', async () => {
    const { fake: f, kubeconfig } = await fake('v5.channel.k8s.io');
    next = () => answer('password-reset');
    const r = await users(['reset-password', 'admin', '--kubeconfig', kubeconfig, '--json'], PASSWORD);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { username: 'admin', action: 'reset-password', where: `pod airflow/${FAKE_POD}` });
    assert.deepEqual(JSON.parse(f.execs[0]!.stdin), { action: 'reset-password', username: 'admin', password: PASSWORD });
  });

  it('on a terminal, asks twice without echoing what is typed', async () => {
    const { fake: f, kubeconfig } = await fake();
    next = () => answer('password-reset');
    const r = await onTerminal(['users', 'reset-password', 'ada', '--kubeconfig', kubeconfig], [
      [/password for ada: /, PASSWORD],
      [/again, to confirm: /, PASSWORD],
    ]);
    assert.equal(r.code, 0, r.text);
    assert.equal(JSON.parse(f.execs[0]!.stdin).password, PASSWORD);
    assert.ok(!r.text.includes(PASSWORD), 'the terminal showed the password');
  });

  it('on a terminal, two different answers change nothing (exit 2)', async () => {
    const { fake: f, kubeconfig } = await fake();
    const r = await onTerminal(['users', 'reset-password', 'ada', '--kubeconfig', kubeconfig], [
      [/password for ada: /, PASSWORD],
      [/again, to confirm: /, `${PASSWORD}x`],
    ]);
    assert.equal(r.code, 2, r.text);
    assert.match(r.text, /the two passwords differ; nothing changed/);
    assert.deepEqual(f.requests, []);
  });

  it('reads the password from --password-file, dropping one trailing newline', async () => {
    const { fake: f, kubeconfig } = await fake();
    next = () => answer('password-reset');
    writeFileSync(path.join(dir, 'pw.txt'), `${PASSWORD}\n`);
    const r = await users(['reset-password', 'admin', '--password-file', 'pw.txt', '--kubeconfig', kubeconfig], '');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(f.execs[0]!.stdin).password, PASSWORD);
  });

  const refusals: [string, string, string, RegExp, number][] = [
    ['an existing user', 'add', 'user-exists', /user ada already exists .*nothing changed[\s\S]*users reset-password ada/, 2],
    ['an unknown user', 'reset-password', 'unknown-user', /there is no user ada/, 2],
    ['a taken email', 'add', 'email-taken', /already has the email ada@example.com/, 2],
    ['missing roles', 'add', 'unknown-role', /role Op does not exist yet/, 1],
  ];
  for (const [what, cmd, outcome, message, exit] of refusals) {
    it(`reports ${what} with exit ${exit}`, async () => {
      const { kubeconfig } = await fake();
      next = () => answer(outcome, outcome === 'unknown-role' ? ', "roles": []' : '');
      const args = cmd === 'add' ? ['add', 'ada', '--role', 'Op', '--email', 'ada@example.com'] : ['reset-password', 'ada'];
      const r = await users([...args, '--kubeconfig', kubeconfig], PASSWORD);
      assert.equal(r.code, exit, r.stderr);
      assert.match(r.stderr, message);
    });
  }

  it('a helper that crashes shows its output tail with the password redacted (exit 1)', async () => {
    const { kubeconfig } = await fake();
    next = (c) => ({ exitCode: 3, stderr: `Traceback: bad request ${JSON.parse(c.stdin).password}\n` });
    const r = await users(['reset-password', 'ada', '--kubeconfig', kubeconfig], PASSWORD);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the user helper failed in pod airflow\/\S+ \(exit 3\)/);
    assert.match(r.stderr, /Traceback: bad request \*\*\*/);
    assert.ok(!r.stderr.includes(PASSWORD));
  });

  const badInput: [string, string[], string, string, RegExp][] = [
    ['a role FAB does not ship', ['add', 'ada', '--role', 'Public', '--email', 'a@x'], 'airflow-aws.yaml', PASSWORD, /Allowed choices are Admin, Op, User, Viewer/],
    ['add without --email', ['add', 'ada', '--role', 'Op'], 'airflow-aws.yaml', PASSWORD, /--email/],
    ['a bad username', ['add', 'a b', '--role', 'Op', '--email', 'a@x'], 'airflow-aws.yaml', PASSWORD, /username "a b" is not usable/],
    ['an empty password', ['reset-password', 'ada'], 'airflow-aws.yaml', '\n', /the password is empty/],
    ['the simple auth manager', ['reset-password', 'ada'], 'simple.yaml', PASSWORD, /simple.yaml: airflow.auth is simple, which has no database users/],
    ['--dev with --kubeconfig', ['reset-password', 'ada', '--dev'], 'airflow-aws.yaml', PASSWORD, /--dev and --kube-context\/--kubeconfig/],
  ];
  for (const [what, args, config, input, message] of badInput) {
    it(`refuses ${what} with exit 2 before reaching the cluster`, async () => {
      const { fake: f, kubeconfig } = await fake();
      const r = await users([...args, '--kubeconfig', kubeconfig], input, config);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.deepEqual(f.requests, []);
    });
  }
});
