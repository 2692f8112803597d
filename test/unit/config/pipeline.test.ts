import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { parseConfig } from '../../../src/config/load.js';
import { closest, ConfigError, formatPath } from '../../../src/config/problems.js';
import { instanceArchitecture } from '../../../src/config/rules.js';
import { starterConfig } from '../../../src/config/starter.js';

const parse = (text: string) => parseConfig(text, 'test.yaml', '/project');
const problemsOf = (text: string) => {
  try {
    parse(text);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('expected the config to be rejected');
};

describe('config defaults', () => {
  it('fills every section from a two-line file', () => {
    const c = parse('name: demo\nregion: eu-west-1\n');
    assert.equal(c.airflow.version, '3.3.2');
    assert.equal(c.airflowMajor, 3);
    assert.equal(c.airflow.executor, 'KubernetesExecutor');
    assert.deepEqual(c.network, { kind: 'new', cidr: '10.0.0.0/16', maxAzs: 2, natGateways: 1, flowLogRetentionDays: 30 });
    assert.equal(c.database.deletionProtection, true);
    assert.equal(c.cluster.nodeGroup.desiredSize, 2);
    assert.equal(c.kubernetes.namespace, 'airflow');
    assert.equal(c.projectDir, '/project');
  });

  const derived: readonly [string, string, (c: ReturnType<typeof parse>) => unknown, unknown][] = [
    ['repository name from the deployment name', '', (c) => c.registry.repositoryName, 'demo/airflow'],
    ['repository name when given', 'registry:\n  repositoryName: team/af\n', (c) => c.registry.repositoryName, 'team/af'],
    ['base image from the Python version', 'airflow:\n  python: "3.11"\n', (c) => c.image.baseImage, 'python:3.11-slim-bookworm'],
    ['Airflow 2 major from the version', 'airflow:\n  version: 2.9.0\n', (c) => c.airflowMajor, 2],
    [
      'existing VPC normalised',
      'network:\n  existingVpc:\n    vpcId: vpc-0123456789abcdef0\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    privateSubnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n',
      (c) => c.network.kind,
      'existing',
    ],
    ['partial vpc keeps other defaults', 'network:\n  vpc:\n    natGateways: 2\n', (c) => c.network.kind === 'new' && c.network.cidr, '10.0.0.0/16'],
  ];
  for (const [name, extra, pick, expected] of derived) {
    it(`derives ${name}`, () => assert.deepEqual(pick(parse(`name: demo\nregion: eu-west-1\n${extra}`)), expected));
  }

  it('freezes the resolved config', () => {
    const c = parse('name: demo\nregion: eu-west-1\n');
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.cluster.nodeGroup) && Object.isFrozen(c.cluster.nodeGroup.instanceTypes));
  });
});

describe('cross-field rules', () => {
  const base = 'name: demo\nregion: us-east-1\n';
  const cases: readonly [string, string, string, RegExp][] = [
    ['desired above max', 'cluster:\n  nodeGroup: {desiredSize: 5, maxSize: 3}\n', 'cluster.nodeGroup.maxSize', /desiredSize \(5\)/],
    ['min above desired', 'cluster:\n  nodeGroup: {minSize: 3, desiredSize: 2}\n', 'cluster.nodeGroup.desiredSize', /minSize \(3\)/],
    ['a VPC too small for pods', 'network:\n  vpc: {cidr: 10.0.0.0/26}\n', 'network.vpc.cidr', /between \/16 and \/24/],
    ['NAT gateways above AZs', 'network:\n  vpc: {maxAzs: 2, natGateways: 3}\n', 'network.vpc.natGateways', /maxAzs \(2\)/],
    ['Graviton nodes with an amd64 image', 'cluster:\n  nodeGroup: {instanceTypes: [m7g.large]}\n', 'image.platform', /arm64/],
    ['simple auth on Airflow 2', 'airflow: {version: 2.10.5, auth: simple}\n', 'airflow.auth', /only on Airflow 3/],
    ['public CIDRs with a private endpoint', 'cluster:\n  endpointAccess: private\n  publicAccessCidrs: [10.0.0.0/8]\n', 'cluster.publicAccessCidrs', /no effect/],
    [
      'subnets not one per AZ',
      'network:\n  existingVpc:\n    vpcId: vpc-0123456789abcdef0\n    availabilityZones: [us-east-1a, us-east-1b, us-east-1c]\n    privateSubnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n',
      'network.existingVpc.privateSubnetIds',
      /one subnet per availability zone \(3\)/,
    ],
    ['Python 3.14 on Airflow 3.2', 'airflow: {version: 3.2.1, python: "3.14"}\n', 'airflow.python', /Airflow 3\.2/],
  ];
  for (const [name, extra, path, message] of cases) {
    it(`rejects ${name} at ${path}`, () => {
      const problems = problemsOf(base + extra);
      const p = problems.find((x) => x.path === path);
      assert.ok(p, `no problem at ${path}: ${JSON.stringify(problems)}`);
      assert.match(p.message, message);
      // A problem about a key the file does not set (a default) has no line to point at.
      if (path !== 'image.platform') assert.ok(p.line, 'problem carries a line number');
      else assert.equal(p.line, undefined);
    });
  }

  it('accepts Graviton nodes with an arm64 image', () => {
    const c = parse(`${base}cluster:\n  nodeGroup: {instanceTypes: [m7g.large, c7g.xlarge]}\nimage:\n  platform: linux/arm64\n`);
    assert.equal(c.image.platform, 'linux/arm64');
  });
});

describe('helpers', () => {
  const arch: readonly [string, string][] = [
    ['m6i.large', 'x86_64'],
    ['m7g.large', 'arm64'],
    ['c6gn.xlarge', 'arm64'],
    ['t4g.small', 'arm64'],
    ['g5.xlarge', 'x86_64'],
    ['g5g.xlarge', 'arm64'],
    ['a1.large', 'arm64'],
    ['m7a.large', 'x86_64'],
    ['x2gd.medium', 'arm64'],
  ];
  for (const [type, expected] of arch) it(`classifies ${type} as ${expected}`, () => assert.equal(instanceArchitecture(type), expected));

  const paths: readonly [PropertyKey[], string][] = [
    [['cluster', 'nodeGroup', 'maxSize'], 'cluster.nodeGroup.maxSize'],
    [['cluster', 'publicAccessCidrs', 0], 'cluster.publicAccessCidrs[0]'],
    [['tags', 'aws:owner'], 'tags["aws:owner"]'],
  ];
  for (const [segs, expected] of paths) it(`formats ${expected}`, () => assert.equal(formatPath(segs), expected));

  it('suggests close keys and nothing for unrelated words', () => {
    assert.equal(closest('maxsize', ['minSize', 'maxSize', 'desiredSize']), 'maxSize');
    assert.equal(closest('databse', ['database', 'cluster']), 'database');
    assert.equal(closest('colour', ['name', 'region', 'cluster']), undefined);
  });
});

describe('starter config and JSON Schema', () => {
  it('writes a starter config that validates and documents its keys', () => {
    const text = starterConfig('analytics', 'eu-central-1');
    const c = parse(text);
    assert.equal(c.name, 'analytics');
    assert.match(text, /^# yaml-language-server: \$schema=/);
    assert.match(text, /# Maximum nodes\.\n\s+maxSize: 4/);
  });

  it('generates a strict JSON Schema with defaults from the validator schema', () => {
    const s = configJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { properties?: Record<string, { default?: unknown }>; additionalProperties?: boolean }>;
    };
    assert.deepEqual(s.required.sort(), ['name', 'region']);
    assert.equal(s.additionalProperties, false);
    assert.equal(s.properties['database']!.additionalProperties, false);
    assert.equal(s.properties['database']!.properties!['backupRetentionDays']!.default, 7);
  });
});
