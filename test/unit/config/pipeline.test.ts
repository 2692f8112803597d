import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, problemsOf } from './support.js';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { ConfigError, formatPath } from '../../../src/config/problems.js';
import { closestFirst, likelyTypo } from '../../../src/text/similarity.js';
import { instanceArchitecture } from '../../../src/config/rules.js';
import { starterConfig } from '../../../src/config/starter.js';


describe('config defaults', () => {
  it('fills every section from a two-line file', () => {
    const c = parse('name: demo\nregion: eu-west-1\n');
    assert.equal(c.airflow.version, '3.3.2');
    assert.equal(c.airflowMajor, 3);
    assert.equal(c.airflow.executor, 'KubernetesExecutor');
    assert.deepEqual(c.network, { kind: 'new', cidr: '10.0.0.0/16', maxAzs: 2, natGateways: 1, flowLogRetentionDays: 30 });
    assert.equal(c.database.deletionProtection, true);
    assert.equal(c.database.engineVersion, '18.3');
    assert.equal(c.cluster.kubernetesVersion, '1.36');
    assert.equal(c.cluster.nodeGroup.desiredSize, 2);
    assert.equal(c.kubernetes.namespace, 'airflow');
    assert.equal(c.projectDir, '/project');
  });

  const derived: readonly [string, string, (c: ReturnType<typeof parse>) => unknown, unknown][] = [
    ['repository name from the deployment name', '', (c) => c.registry.repositoryName, 'demo/airflow'],
    ['repository name when given', 'registry:\n  repositoryName: team/af\n', (c) => c.registry.repositoryName, 'team/af'],
    ['base image from the Python version', 'airflow:\n  python: "3.11"\n', (c) => c.image.baseImage, 'python:3.11-slim-bookworm'],
    ['Airflow 2 major from the version', 'airflow:\n  version: 2.9.0\n', (c) => c.airflowMajor, 2],
    ['DAGs from the image by default', '', (c) => c.dags, { source: 'image' }],
    ['the git bundle\'s tracking ref and connection', 'dags: {source: git, git: {repoUrl: "git@github.com:a/b.git"}}\n', (c) => c.dags.git, { repoUrl: 'git@github.com:a/b.git', trackingRef: 'main', connectionId: 'git_dags' }],
    ['no storage endpoint by default (AWS S3)', '', (c) => c.storage.endpointUrl, undefined],
    [
      'existing VPC normalised',
      'network:\n  existingVpc:\n    vpcId: vpc-0123456789abcdef0\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    privateSubnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n',
      (c) => c.network.kind,
      'existing',
    ],
    ['partial vpc keeps other defaults', 'network:\n  vpc:\n    natGateways: 2\n', (c) => c.network.kind === 'new' && c.network.cidr, '10.0.0.0/16'],
    // PostgreSQL 18 only where the Airflow line supports it; earlier lines keep the previous default.
    ['PostgreSQL 18 on Airflow 3.3', 'airflow:\n  version: 3.3.0\n', (c) => c.database.engineVersion, '18.3'],
    ['PostgreSQL 18 on Airflow 3.2', 'airflow:\n  version: 3.2.1\n', (c) => c.database.engineVersion, '18.3'],
    ['PostgreSQL 17 on Airflow 3.1', 'airflow:\n  version: 3.1.5\n', (c) => c.database.engineVersion, '17.6'],
    ['PostgreSQL 17 on Airflow 2.11', 'airflow:\n  version: 2.11.0\n', (c) => c.database.engineVersion, '17.6'],
    ['PostgreSQL 17 on Airflow 2.9', 'airflow:\n  version: 2.9.3\n', (c) => c.database.engineVersion, '17.6'],
    ['the PostgreSQL version when given', 'database:\n  engineVersion: "16.10"\n', (c) => c.database.engineVersion, '16.10'],
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
    ['PostgreSQL 15', 'database: {engineVersion: "15.4"}\n', 'database.engineVersion', /must be PostgreSQL 16 or 17, or 18 on Airflow 3\.2\+/],
    ['PostgreSQL 19', 'database: {engineVersion: "19.0"}\n', 'database.engineVersion', /must be PostgreSQL 16 or 17, or 18/],
    ['PostgreSQL 18 on Airflow 2.11', 'airflow: {version: 2.11.0}\ndatabase: {engineVersion: "18.3"}\n', 'database.engineVersion', /16 or 17 on Airflow 2\.11/],
    ['PostgreSQL 18 on Airflow 3.1', 'airflow: {version: 3.1.5}\ndatabase: {engineVersion: "18.3"}\n', 'database.engineVersion', /16 or 17 on Airflow 3\.1/],
    ['an S3 DAG bundle on Airflow 2', 'airflow: {version: 2.10.5}\ndags: {source: s3}\n', 'dags.source', /DAG bundles exist only on Airflow 3/],
    ['a git DAG source without its repository', 'dags: {source: git}\n', 'dags.git', /required when dags.source is "git"/],
    ['a storage endpoint that is not http(s)', 'storage: {endpointUrl: "ftp://minio:9000"}\n', 'storage.endpointUrl', /http\(s\) URL/],
    ['credentials in the git repository URL', 'dags: {source: git, git: {repoUrl: "https://me:token@github.com/a/b.git"}}\n', 'dags.git.repoUrl', /must not contain credentials/],
    ['an unknown DAG source', 'dags: {source: ftp}\n', 'dags.source', /image|s3|git/],
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

  // Existing deployments keep validating after the defaults moved to Kubernetes 1.36 and PostgreSQL 18.
  for (const [what, extra] of [
    ['Kubernetes 1.35 with PostgreSQL 17', 'cluster: {kubernetesVersion: "1.35"}\ndatabase: {engineVersion: "17.6"}\n'],
    ['PostgreSQL 16', 'database: {engineVersion: "16.10"}\n'],
    ['Airflow 2.11 with PostgreSQL 17', 'airflow: {version: 2.11.0}\ndatabase: {engineVersion: "17.9"}\n'],
    ['Airflow 2.10 with PostgreSQL 16', 'airflow: {version: 2.10.5}\ndatabase: {engineVersion: "16.13"}\n'],
    ['Airflow 3.2 with PostgreSQL 18', 'airflow: {version: 3.2.1}\ndatabase: {engineVersion: "18.1"}\n'],
  ] as const) {
    it(`accepts ${what}`, () => assert.doesNotThrow(() => parse(base + extra)));
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

  const typos: readonly [string, readonly string[], string | undefined][] = [
    ['maxsize', ['minSize', 'maxSize', 'desiredSize'], 'maxSize'],
    ['databse', ['database', 'cluster'], 'database'],
    ['colour', ['name', 'region', 'cluster'], undefined],
    ['stauts', ['status', 'synth', 'schema'], 'status'],
  ];
  for (const [word, names, expected] of typos) {
    it(`suggests ${expected ?? 'nothing'} for ${word}`, () => assert.equal(likelyTypo(word, names), expected));
  }

  it('orders every name closest first, ties alphabetically', () => {
    assert.deepEqual(closestFirst('exampel_pipeline', ['slow_pipeline', 'example_pipeline', 'failing_pipeline', 'a']), [
      'example_pipeline', // 2 edits
      'failing_pipeline', // 7, before slow_pipeline (7) alphabetically
      'slow_pipeline',
      'a',
    ]);
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

  it('pins the current versions in the starter config, so a later change of defaults never upgrades it', () => {
    const text = starterConfig('analytics', 'eu-central-1');
    assert.match(text, /\n\s+engineVersion: "?18\.3"?\n/);
    assert.match(text, /\n\s+kubernetesVersion: "1\.36"\n/);
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

describe('storage: S3-compatible endpoint and dev bucket', () => {
  const base = 'name: demo\nregion: us-east-1\n';
  const badEndpoints: readonly [string, string][] = [
    ['a bare host', 'minio:9000'],
    ['an s3:// URL', 's3://bucket'],
    ['ftp', 'ftp://files.example'],
    ['an empty string', ''],
    ['no host', 'http://'],
  ];
  for (const [name, value] of badEndpoints) {
    it(`rejects ${name} as storage.endpointUrl with exit 2, naming path and value`, () => {
      let err: unknown;
      try {
        parse(`${base}storage:\n  endpointUrl: ${JSON.stringify(value)}\n`);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.exitCode, 2);
      const p = err.problems.find((x) => x.path === 'storage.endpointUrl');
      assert.ok(p, JSON.stringify(err.problems));
      assert.match(p.message, /must be an http\(s\) URL/);
      assert.equal(p.received, JSON.stringify(value));
      assert.ok(err.details?.some((d) => d.includes(`storage.endpointUrl: must be an http(s) URL`) && d.includes(`(got ${JSON.stringify(value)})`)), JSON.stringify(err.details));
    });
  }

  for (const value of ['http://127.0.0.1:9000', 'https://minio.storage.svc:9000/', 'http://localhost:5000']) {
    it(`accepts ${value} as storage.endpointUrl`, () => assert.equal(parse(`${base}storage:\n  endpointUrl: "${value}"\n`).storage.endpointUrl, value));
  }

  it('rejects a devBucket without an endpoint, and a devBucket that is no bucket name', () => {
    const alone = problemsOf(`${base}storage:\n  devBucket: dev-logs\n`).find((x) => x.path === 'storage.devBucket');
    assert.ok(alone);
    assert.match(alone.message, /needs storage.endpointUrl/);
    assert.equal(alone.received, '"dev-logs"');
    const bad = problemsOf(`${base}storage:\n  endpointUrl: http://127.0.0.1:9000\n  devBucket: Dev_Logs\n`).find((x) => x.path === 'storage.devBucket');
    assert.ok(bad);
    assert.match(bad.message, /S3 bucket name/);
  });

  it('leaves both unset by default and lists them in the JSON schema', () => {
    const c = parse(base);
    assert.equal(c.storage.endpointUrl, undefined);
    assert.equal(c.storage.devBucket, undefined);
    assert.equal(c.storage.logRetentionDays, 30);
    const storage = (configJsonSchema()['properties'] as Record<string, { properties: Record<string, unknown> }>)['storage']!;
    assert.deepEqual(Object.keys(storage.properties).sort(), ['devBucket', 'endpointUrl', 'logRetentionDays']);
  });
});
