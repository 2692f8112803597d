/** The command contract, through the real binary: init, schema, help and version. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempDir } from '../../support/cli.js';

describe('init', () => {
  it('writes a valid config, the schema and an example DAG', async () => {
    const dir = tempDir();
    const r = await runCli(['init', '--dir', 'proj', '--name', 'analytics', '--region', 'eu-west-1'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(dir, 'proj', 'airflow-aws.yaml');
    assert.match(readFileSync(file, 'utf8'), /^name: analytics$/m);
    assert.ok(existsSync(path.join(dir, 'proj', '.airflow-aws', 'airflow-aws.schema.json')));
    assert.ok(existsSync(path.join(dir, 'proj', 'dags', 'example_pipeline.py')));
    const v = await runCli(['validate', '-c', 'proj/airflow-aws.yaml'], { cwd: dir });
    assert.equal(v.code, 0, v.stderr);
  });

  it('refuses to overwrite without --force and keeps the file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'airflow-aws.yaml'), 'name: mine\nregion: us-east-1\n');
    const r = await runCli(['init'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /already exists/);
    assert.match(r.stderr, /--force/);
    assert.equal(readFileSync(path.join(dir, 'airflow-aws.yaml'), 'utf8'), 'name: mine\nregion: us-east-1\n');
    const forced = await runCli(['init', '--force', '--name', 'again'], { cwd: dir });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(path.join(dir, 'airflow-aws.yaml'), 'utf8'), /^name: again$/m);
  });

  it('sets the Python minor with --python and rejects one the Airflow line does not support', async () => {
    const dir = tempDir();
    const ok = await runCli(['init', '--python', '3.11'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(readFileSync(path.join(dir, 'airflow-aws.yaml'), 'utf8'), /^ {2}python: "3\.11"$/m);
    const bad = await runCli(['init', '--force', '--python', '3.99'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^ {2}airflow\.python: is not supported by Airflow 3\.3 \(got "3\.99"\)/m);
  });

  it('rejects an invalid --name with exit 2 and writes nothing', async () => {
    const dir = tempDir();
    const r = await runCli(['init', '--name', 'Not_Valid'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /name: must be a DNS-1123 label/);
    assert.equal(existsSync(path.join(dir, 'airflow-aws.yaml')), false);
  });
});

describe('schema', () => {
  it('prints the JSON Schema on stdout', async () => {
    const r = await runCli(['schema']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    assert.ok(s.properties['cluster'] && s.properties['database'] && s.properties['airflow']);
  });
});

describe('help and version', () => {
  for (const cmd of ['init', 'validate', 'synth', 'plan', 'schema']) {
    it(`${cmd} --help shows usage on stdout`, async () => {
      const r = await runCli([cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Usage: airflow-aws ${cmd}`));
    });
  }
  for (const cmd of ['init', 'validate', 'synth', 'plan', 'schema']) {
    it(`${cmd} --help shows examples`, async () => {
      const r = await runCli([cmd, '--help']);
      assert.match(r.stdout, /Examples:\n {2}\$ airflow-aws/);
    });
  }

  it('prints the package version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('exits 2 on an unknown command or option', async () => {
    assert.equal((await runCli(['deploy-everything'])).code, 2);
    assert.equal((await runCli(['validate', '--nope'])).code, 2);
  });

  // --help must not make a command that does not exist look like one that does.
  const unknown: readonly [string[], RegExp][] = [
    [['nosuch', '--help'], /^error: unknown command 'nosuch'$/m],
    [['nosuch'], /^error: unknown command 'nosuch'$/m],
    [['-c', 'x.yaml', 'valdate', '-h'], /^error: unknown command 'valdate' — did you mean 'validate'\?$/m],
    [['dev', 'stauts', '--help'], /^error: unknown command 'dev stauts' — did you mean 'dev status'\?$/m],
    [['help', 'nosuch'], /^error: unknown command 'nosuch'$/m],
  ];
  for (const [args, message] of unknown) {
    it(`says unknown command and exits 2: airflow-aws ${args.join(' ')}`, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '', 'no help on stdout');
    });
  }

  it('still shows help for a real command with arguments and --help', async () => {
    const r = await runCli(['dev', 'run-dag', 'anything', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: airflow-aws dev run-dag/);
  });

  // Numeric flags are parsed once, by commander, before any command runs (no config file is needed to get here).
  const badNumbers: readonly string[][] = [
    ['dev', 'logs', '--tail', 'abc'],
    ['dev', 'logs', '--tail', '-1'],
    ['dev', 'up', '--port', '0'],
    ['dev', 'up', '--port', '70000'],
    ['dev', 'up', '--wait', '5s'],
    ['dev', 'run-dag', 'x', '--timeout', '1.5'],
    ['deploy', '--timeout', 'soon'],
  ];
  for (const args of badNumbers) {
    it(`refuses ${args.join(' ')} with exit 2, naming the flag and the value`, async () => {
      const r = await runCli(args, { cwd: tempDir() });
      assert.equal(r.code, 2, r.stderr);
      const [flag, value] = args.slice(-2);
      assert.match(r.stderr, new RegExp(`option '${flag} <[a-z]+>' argument '${value!.replace('.', '\\.')}' is invalid`));
    });
  }
});
