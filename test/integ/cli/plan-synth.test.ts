/** plan and synth through the real binary: offline by default, and a read-only diff against a (moto) deployed stack. */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir } from '../../support/cli.js';
import { startMoto, type MotoServer } from '../../support/moto.js';

const CONFIG = 'name: demo\nregion: us-east-1\n';
/** No credential source at all: plan must not even try AWS. */
const NO_AWS = { AWS_ACCESS_KEY_ID: '', AWS_PROFILE: '', HOME: '/nonexistent-home', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };

interface PlanJson {
  offline: boolean;
  infrastructure: { resources: { type: string; count: number }[]; settings: { area: string; setting: string; value: string }[] };
  warnings: { id: string }[];
  changes?: {
    stackName: string;
    status: 'new' | 'changed' | 'unchanged';
    changes: { action: string; logicalId: string; type: string; properties: string[]; dangerous: boolean }[];
    unchanged: number;
  }[];
}

function project(content = CONFIG): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'airflow-aws.yaml'), content);
  return dir;
}

describe('plan offline', () => {
  it('lists resources by kind and notable settings without touching AWS', async () => {
    const r = await runCli(['plan', '--json'], { cwd: project(), env: NO_AWS });
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as PlanJson;
    assert.equal(p.offline, true);
    const count = (t: string) => p.infrastructure.resources.find((x) => x.type === t)?.count;
    assert.equal(count('AWS::EKS::Cluster'), 1);
    assert.equal(count('AWS::RDS::DBInstance'), 1);
    assert.equal(count('AWS::EKS::PodIdentityAssociation'), 5);
    assert.equal(count('AWS::Lambda::Function'), undefined);
    assert.ok(p.infrastructure.settings.some((s) => s.area === 'cluster' && /m6i\.large/.test(s.value)));
    assert.ok(p.warnings.some((w) => w.id === 'AA-EKS-PUBLIC-ENDPOINT'), 'default public endpoint is flagged');
    assert.match(r.stderr, /offline/);
  });

  it('reflects config changes in the settings and drops the warning for restricted CIDRs', async () => {
    const dir = project(`${CONFIG}cluster:\n  publicAccessCidrs: [203.0.113.0/24]\n  nodeGroup:\n    instanceTypes: [m6i.xlarge]\n    capacityType: spot\n`);
    const r = await runCli(['plan', '--json'], { cwd: dir, env: NO_AWS });
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as PlanJson;
    assert.ok(p.infrastructure.settings.some((s) => /m6i\.xlarge spot/.test(s.value)));
    assert.equal(p.warnings.length, 0);
  });

  it('prints a readable table by default', async () => {
    const r = await runCli(['plan'], { cwd: project(), env: NO_AWS });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Resources to create \(\d+ in 1 stack: demo-airflow\)/);
    assert.match(r.stdout, /\+ AWS::EKS::Nodegroup\s+1/);
  });

  it('exits 2 on an invalid config and prints no plan', async () => {
    const r = await runCli(['plan'], { cwd: project('name: demo\nregion: us-east-1\ndatabase: {storageGiB: 1}\n'), env: NO_AWS });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
  });
});

describe('synth', () => {
  it('writes CloudFormation templates under out/cloudformation', async () => {
    const dir = project();
    const r = await runCli(['synth', '--out', 'out'], { cwd: dir, env: NO_AWS });
    assert.equal(r.code, 0, r.stderr);
    const files = readdirSync(path.join(dir, 'out', 'cloudformation'));
    assert.deepEqual(files, ['demo-airflow.template.json']);
    const t = JSON.parse(readFileSync(path.join(dir, 'out', 'cloudformation', files[0]!), 'utf8')) as { Resources: object };
    assert.ok(Object.keys(t.Resources).length > 40);
  });
});

describe('plan against a deployed stack (moto)', () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => moto?.stop());

  it('shows what is already deployed as unchanged and the rest as additions', async () => {
    const dir = project();
    const synth = await runCli(['synth', '--out', 'out'], { cwd: dir, env: NO_AWS });
    assert.equal(synth.code, 0, synth.stderr);
    const full = JSON.parse(readFileSync(path.join(dir, 'out', 'cloudformation', 'demo-airflow.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    // moto cannot create EKS or Secrets Manager resources; deploy the part it can (the ECR repository) as-is.
    const [repoId, repo] = Object.entries(full.Resources).find(([, r]) => r.Type === 'AWS::ECR::Repository')!;
    const client = new CloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await client.send(new CreateStackCommand({ StackName: 'demo-airflow', TemplateBody: JSON.stringify({ Resources: { [repoId]: repo } }) }));

    const r = await runCli(['plan', '--json'], { cwd: dir, env: { ...moto.env, HOME: '/nonexistent-home' } });
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as PlanJson;
    assert.equal(p.offline, false);
    const diff = p.changes![0]!;
    assert.equal(diff.status, 'changed');
    assert.equal(diff.unchanged, 1, 'the deployed repository is unchanged');
    assert.ok(!diff.changes.some((c) => c.logicalId === repoId));
    assert.ok(diff.changes.some((c) => c.action === 'add' && c.type === 'AWS::EKS::Cluster'));
    assert.ok(!diff.changes.some((c) => c.dangerous), 'additions are never dangerous');
  });

  it('flags the replacement of a deployed repository as dangerous', async () => {
    const dir = project('name: renamed\nregion: us-east-1\nregistry:\n  repositoryName: renamed/airflow-2\n');
    const synth = await runCli(['synth', '--out', 'out'], { cwd: dir, env: NO_AWS });
    assert.equal(synth.code, 0, synth.stderr);
    const full = JSON.parse(readFileSync(path.join(dir, 'out', 'cloudformation', 'renamed-airflow.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    // Deployed under the old name: the config's new repositoryName must replace it.
    const [repoId, repo] = Object.entries(full.Resources).find(([, r]) => r.Type === 'AWS::ECR::Repository')!;
    const deployed = { ...repo, Properties: { ...repo.Properties, RepositoryName: 'renamed/airflow' } };
    const client = new CloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await client.send(new CreateStackCommand({ StackName: 'renamed-airflow', TemplateBody: JSON.stringify({ Resources: { [repoId]: deployed } }) }));

    const env = { ...moto.env, HOME: '/nonexistent-home' };
    const json = await runCli(['plan', '--json'], { cwd: dir, env });
    assert.equal(json.code, 0, json.stderr);
    const diff = (JSON.parse(json.stdout) as PlanJson).changes![0]!;
    assert.deepEqual(
      diff.changes.filter((c) => c.dangerous).map((c) => [c.action, c.logicalId, c.properties]),
      [['replace', repoId, ['RepositoryName']]],
    );
    const text = await runCli(['plan'], { cwd: dir, env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`!! replace ${repoId} \\(AWS::ECR::Repository\\): RepositoryName \\(replaces\\)`));
    assert.match(text.stdout, new RegExp(`DANGER: replaces the image repository ${repoId}`));
  });

  it('reports a stack that is not deployed yet', async () => {
    const dir = project('name: other\nregion: us-east-1\n');
    const r = await runCli(['plan'], { cwd: dir, env: { ...moto.env, HOME: '/nonexistent-home' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Stack other-airflow: not deployed yet/);
    assert.match(r.stderr, /against the deployed stack — read-only/);
  });

  it('--offline never reads the deployed stack', async () => {
    const r = await runCli(['plan', '--offline', '--json'], { cwd: project(), env: { ...moto.env, HOME: '/nonexistent-home' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as PlanJson).offline, true);
  });
});
