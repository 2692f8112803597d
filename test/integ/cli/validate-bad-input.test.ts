/**
 * Bad input for `airflow-aws validate`, through the real binary: every case exits 2 with a message that names the
 * config path, never a stack trace, within a hard kill bound and a small heap cap.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempDir } from '../../support/cli.js';

const VALID = 'name: demo\nregion: us-east-1\n';

interface Case {
  readonly name: string;
  readonly content: string | Buffer;
  /** Every pattern must appear in stderr. */
  readonly expect: readonly (string | RegExp)[];
}

const aliasBomb = [
  'name: demo',
  'region: us-east-1',
  'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  'h: [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]',
].join('\n');

function blockNesting(levels: number): string {
  let s = VALID + 'tags:\n';
  for (let i = 0; i < levels; i++) s += `${'  '.repeat(i + 1)}k${i}:\n`;
  return `${s}${'  '.repeat(levels + 1)}v\n`;
}

const CASES: readonly Case[] = [
  {
    name: 'a public load balancer without TLS',
    content: `${VALID}exposure:\n  mode: public\n  sourceCidrs: [0.0.0.0/0]\n`,
    expect: [/exposure\.certificateArn: is required with exposure\.mode "public"/, /\(got nothing\)/],
  },
  {
    name: 'a certificate ARN that is not an ACM ARN',
    content: `${VALID}exposure:\n  mode: internal\n  certificateArn: arn:aws:iam::123456789012:server-certificate/x\n  hostname: a.example.com\n  sourceCidrs: [10.0.0.0/8]\n`,
    expect: [/airflow-aws\.yaml:5:\d+: exposure\.certificateArn: must be an ACM certificate ARN/, '(got "arn:aws:iam::123456789012:server-certificate/x")'],
  },
  {
    name: 'a source CIDR that is not a CIDR',
    content: `${VALID}exposure:\n  mode: internal\n  allowInsecureHttp: true\n  sourceCidrs: [10.0.0.0/8, office]\n`,
    expect: [/exposure\.sourceCidrs\[1\]: must be an IPv4 CIDR/, '(got "office")'],
  },
  { name: 'empty file', content: '', expect: [/is empty/, /airflow-aws init/] },
  { name: 'only a comment', content: '# nothing here\n', expect: [/is empty/] },
  { name: 'a list instead of a mapping', content: '- name: demo\n- region: us-east-1\n', expect: [/must be a mapping/, /got a list of 2/] },
  { name: 'a scalar instead of a mapping', content: 'just a string\n', expect: [/must be a mapping/, /got "just a string"/] },
  {
    name: 'YAML syntax error reports line and column',
    content: 'name: demo\nregion: us-east-1\ncluster:\n  nodeGroup: {minSize: 1, maxSize: [\n',
    expect: [/airflow-aws\.yaml:\d+:\d+: \(document\): is not valid YAML/],
  },
  {
    name: 'duplicate keys',
    content: 'name: demo\nregion: us-east-1\nname: other\n',
    expect: [/airflow-aws\.yaml:3:1: .*duplicate key/],
  },
  {
    name: 'unknown key at the top level',
    content: `${VALID}colour: blue\n`,
    expect: [/airflow-aws\.yaml:3:1: colour: is not a known key/, /known keys here: .*cluster/],
  },
  {
    name: 'misspelled key gets a "did you mean"',
    content: `${VALID}cluster:\n  nodeGroup:\n    maxsize: 3\n`,
    expect: [/cluster\.nodeGroup\.maxsize: is not a known key/, /did you mean "maxSize"\?/],
  },
  {
    name: 'misspelled section',
    content: `${VALID}databse:\n  multiAz: true\n`,
    expect: [/databse: is not a known key/, /did you mean "database"\?/],
  },
  {
    name: 'wrong type: string for a number',
    content: `${VALID}database:\n  storageGiB: lots\n`,
    expect: [/airflow-aws\.yaml:4:\d+: database\.storageGiB: must be a number \(got "lots"\)/],
  },
  {
    name: 'wrong type: mapping for a list',
    content: `${VALID}cluster:\n  nodeGroup:\n    instanceTypes: {a: 1}\n`,
    expect: [/cluster\.nodeGroup\.instanceTypes: must be a list \(got a mapping\)/],
  },
  {
    name: 'wrong type: number for a boolean',
    content: `${VALID}database:\n  multiAz: 1\n`,
    expect: [/database\.multiAz: must be a boolean \(got 1\)/],
  },
  {
    name: 'out of range: backup retention',
    content: `${VALID}database:\n  backupRetentionDays: 90\n`,
    expect: [/database\.backupRetentionDays: must be <= 35 \(got 90\)/],
  },
  {
    name: 'out of range: fractional node count',
    content: `${VALID}cluster:\n  nodeGroup:\n    desiredSize: 1.5\n`,
    expect: [/cluster\.nodeGroup\.desiredSize: must be (an int|a whole number)/],
  },
  {
    name: 'inconsistent: node group maxSize < desiredSize',
    content: `${VALID}cluster:\n  nodeGroup:\n    desiredSize: 3\n    maxSize: 2\n`,
    expect: [/airflow-aws\.yaml:6:\d+: cluster\.nodeGroup\.maxSize: must be >= desiredSize \(3\) \(got 2\)/],
  },
  {
    name: 'inconsistent: max storage below storage',
    content: `${VALID}database:\n  storageGiB: 200\n  maxStorageGiB: 100\n`,
    expect: [/database\.maxStorageGiB: must be >= storageGiB \(200\)/],
  },
  {
    name: 'inconsistent: mixed CPU architectures',
    content: `${VALID}cluster:\n  nodeGroup:\n    instanceTypes: [m6i.large, m7g.large]\n`,
    expect: [/cluster\.nodeGroup\.instanceTypes: mixes arm64/],
  },
  {
    name: 'inconsistent: both a new and an existing VPC',
    content: `${VALID}network:\n  vpc: {}\n  existingVpc:\n    vpcId: vpc-0123456789abcdef0\n    availabilityZones: [us-east-1a, us-east-1b]\n    privateSubnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n`,
    expect: [/network: sets both vpc .* and existingVpc/],
  },
  { name: 'invalid name: uppercase', content: 'name: MyAirflow\nregion: us-east-1\n', expect: [/name: must be a DNS-1123 label: .*\(got "MyAirflow"\)/] },
  {
    name: 'invalid name: too long for derived AWS names',
    content: `name: ${'a'.repeat(40)}\nregion: us-east-1\n`,
    expect: [/name: must be at most 28 characters/],
  },
  { name: 'missing name', content: 'region: us-east-1\n', expect: [/name: is required/] },
  { name: 'invalid region', content: 'name: demo\nregion: mars-1\n', expect: [/region: must be an AWS region .*\(got "mars-1"\)/] },
  {
    name: 'invalid CIDR',
    content: `${VALID}network:\n  vpc:\n    cidr: 10.0.0.300/16\n`,
    expect: [/network\.vpc\.cidr: has an octet above 255/],
  },
  {
    name: 'invalid CIDR format',
    content: `${VALID}cluster:\n  publicAccessCidrs: [203.0.113.0]\n`,
    expect: [/cluster\.publicAccessCidrs\[0\]: must be an IPv4 CIDR/],
  },
  {
    name: 'unsupported Airflow version',
    content: `${VALID}airflow:\n  version: 1.10.15\n`,
    expect: [/airflow\.version: is not a supported Airflow version \(got "1\.10\.15"\)/, /supported lines: 2\.9\.x/],
  },
  {
    name: 'Python not supported by the Airflow line',
    content: `${VALID}airflow:\n  version: 2.9.0\n  python: "3.13"\n`,
    expect: [/airflow\.python: is not supported by Airflow 2\.9/],
  },
  {
    name: 'unsupported Kubernetes version',
    content: `${VALID}cluster:\n  kubernetesVersion: "1.20"\n`,
    expect: [/cluster\.kubernetesVersion: must be one of .*"1\.35"/],
  },
  {
    name: 'unsupported PostgreSQL version',
    content: `${VALID}database:\n  engineVersion: "15.4"\n`,
    expect: [/database\.engineVersion: must be PostgreSQL 16 or 17/],
  },
  {
    name: 'bare PostgreSQL major',
    content: `${VALID}database:\n  engineVersion: "17"\n`,
    expect: [/database\.engineVersion: must be a full PostgreSQL minor version/],
  },
  {
    name: 'enum typo gets a suggestion',
    content: `${VALID}cluster:\n  endpointAccess: pubic\n`,
    expect: [/cluster\.endpointAccess: must be one of/, /did you mean "public"\?/],
  },
  { name: 'binary garbage', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x01, 0x02]), expect: [/is not a UTF-8 text file/] },
  { name: 'invalid UTF-8 without NUL', content: Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xc3, 0x28]), expect: [/is not a UTF-8 text file/] },
  { name: 'YAML alias bomb', content: aliasBomb, expect: [/aliases excessively/] },
  { name: 'very deep flow nesting', content: `${VALID}tags: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, expect: [/nests \d+ levels deep/] },
  { name: 'very deep block nesting', content: blockNesting(200), expect: [/nests \d+ levels deep/] },
  { name: 'very large file', content: `${VALID}# ${'x'.repeat(2 * 1024 * 1024)}\n`, expect: [/file is too large/] },
  {
    name: 'an S3 endpoint that is not an http(s) URL',
    content: `${VALID}storage:\n  endpointUrl: minio:9000\n`,
    expect: ['storage.endpointUrl: must be an http(s) URL, e.g. http://127.0.0.1:9000 (got "minio:9000")'],
  },
  {
    name: 'a dev bucket without an S3 endpoint',
    content: `${VALID}storage:\n  devBucket: dev-logs\n`,
    expect: [/storage\.devBucket: needs storage\.endpointUrl .*\(got "dev-logs"\)/],
  },
  {
    name: 'tag with a reserved prefix',
    content: `${VALID}tags:\n  "aws:owner": me\n`,
    expect: [/tags/, /must not start with "aws:"/],
  },
];

describe('validate rejects bad input with exit code 2 and a clear message', () => {
  for (const c of CASES) {
    it(`rejects ${c.name}`, async () => {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'airflow-aws.yaml'), c.content);
      const r = await runCli(['validate'], { cwd: dir, killAfterMs: 20_000, maxOldSpaceMb: 128 });
      assert.equal(r.timedOut, false, 'validate must finish within the bound');
      assert.equal(r.code, 2, `exit code 2 expected, got ${r.code}; stderr:\n${r.stderr}`);
      for (const p of c.expect) {
        if (typeof p === 'string') assert.ok(r.stderr.includes(p), `stderr lacks ${p}:\n${r.stderr}`);
        else assert.match(r.stderr, p);
      }
      assert.doesNotMatch(r.stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, 'no stack trace for bad input');
      assert.doesNotMatch(r.stderr, /unexpected error/);
      assert.equal(r.stdout, '', 'nothing on stdout for a failed validate');
    });
  }

  it('refuses a public load balancer without TLS in every command that reads the config (plan, synth), naming the path', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'airflow-aws.yaml'), `${VALID}exposure:\n  mode: public\n  sourceCidrs: [0.0.0.0/0]\n`);
    for (const args of [['plan', '--offline'], ['synth', '--out', path.join(dir, 'out')]]) {
      const r = await runCli(args, { cwd: dir, killAfterMs: 60_000 });
      assert.equal(r.code, 2, `${args[0]}: exit code 2 expected, got ${r.code}; stderr:\n${r.stderr}`);
      assert.match(r.stderr, /airflow-aws\.yaml(:\d+:\d+)?: exposure\.certificateArn: is required with exposure\.mode "public".*\(got nothing\)/);
      assert.match(r.stderr, /allowInsecureHttp: true/);
      assert.equal(r.stdout, '', `${args[0]} printed data for a refused config`);
    }
    // The explicit opt-out is accepted.
    writeFileSync(path.join(dir, 'airflow-aws.yaml'), `${VALID}exposure:\n  mode: public\n  sourceCidrs: [0.0.0.0/0]\n  allowInsecureHttp: true\n`);
    const ok = await runCli(['validate'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('reports a missing file with a hint to run init', async () => {
    const dir = tempDir();
    const r = await runCli(['validate', '-c', 'nope.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read config file .*nope\.yaml/);
    assert.match(r.stderr, /airflow-aws init/);
  });

  it('lists every problem of a file, one line each', async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'airflow-aws.yaml'),
      'name: Bad_Name\nregion: us-east-1\ndatabase:\n  storageGiB: 5\n  multiaz: true\n',
    );
    const r = await runCli(['validate'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /3 problems/);
    assert.match(r.stderr, /^ {2}airflow-aws\.yaml:1:\d+: name: /m);
    assert.match(r.stderr, /^ {2}airflow-aws\.yaml:4:\d+: database\.storageGiB: must be >= 20 \(got 5\)/m);
    assert.match(r.stderr, /^ {2}airflow-aws\.yaml:5:\d+: database\.multiaz: is not a known key — did you mean "multiAz"\?/m);
  });

  it('prints problems as JSON with --json', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'airflow-aws.yaml'), `${VALID}cluster:\n  nodeGroup:\n    maxSize: 0\n`);
    const r = await runCli(['validate', '--json'], { cwd: dir });
    assert.equal(r.code, 2);
    const body = JSON.parse(r.stdout) as { valid: boolean; problems: { path: string; line: number }[] };
    assert.equal(body.valid, false);
    assert.deepEqual(
      body.problems.map((p) => p.path),
      ['cluster.nodeGroup.maxSize'],
    );
    assert.equal(body.problems[0]!.line, 5);
  });

  it('accepts a valid file with exit code 0', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'airflow-aws.yaml'), VALID);
    const r = await runCli(['validate'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /is valid/);
  });
});
