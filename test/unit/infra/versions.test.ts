/**
 * The version table against aws-cdk-lib: the infra passes version strings through `KubernetesVersion.of` and
 * `PostgresEngineVersion.of`, which accept anything, so a typo or a version CDK does not know would only fail in
 * CloudFormation. Here every version we create must be one aws-cdk-lib names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as rds from 'aws-cdk-lib/aws-rds';
import {
  AIRFLOW_LINES,
  DEFAULT_AIRFLOW_VERSION,
  DEFAULT_KUBERNETES_VERSION,
  DEFAULT_POSTGRES_MINOR,
  DEFAULT_POSTGRES_VERSION,
  KUBERNETES_VERSIONS,
  POSTGRES_MAJORS,
  defaultPostgresVersion,
} from '../../../src/config/versions.js';
import { synth } from './template-fixture.js';

const cdkKubernetes = new Set(
  Object.entries(eks.KubernetesVersion)
    .filter(([k]) => /^V1_\d+$/.test(k))
    .map(([, v]) => (v as eks.KubernetesVersion).version),
);
const cdkPostgres = new Set(
  Object.entries(rds.PostgresEngineVersion)
    .filter(([k]) => /^VER_\d+_\d+$/.test(k))
    .map(([, v]) => (v as rds.PostgresEngineVersion).postgresFullVersion),
);

describe('versions we create', () => {
  it('creates new clusters with Kubernetes 1.36, the newest version we list', () => {
    assert.equal(DEFAULT_KUBERNETES_VERSION, '1.36');
    assert.equal(KUBERNETES_VERSIONS.at(-1), DEFAULT_KUBERNETES_VERSION);
    assert.ok((KUBERNETES_VERSIONS as readonly string[]).includes('1.35'), '1.35 stays accepted for existing clusters');
  });

  it('lists only Kubernetes versions aws-cdk-lib names (eks.KubernetesVersion.V1_xx)', () => {
    for (const v of KUBERNETES_VERSIONS) assert.ok(cdkKubernetes.has(v), `aws-cdk-lib has no KubernetesVersion ${v}`);
  });

  it('creates PostgreSQL 18.3 for the default Airflow line and the newest 18.x aws-cdk-lib names', () => {
    assert.equal(DEFAULT_POSTGRES_VERSION, '18.3');
    assert.equal(defaultPostgresVersion(DEFAULT_AIRFLOW_VERSION), '18.3');
    const newest18 = [...cdkPostgres].filter((v) => v.startsWith('18.')).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1])).at(-1);
    assert.equal(DEFAULT_POSTGRES_MINOR['18'], newest18);
  });

  it('defaults only to PostgreSQL minors aws-cdk-lib names (rds.PostgresEngineVersion.VER_xx_y)', () => {
    for (const major of POSTGRES_MAJORS) {
      assert.ok(cdkPostgres.has(DEFAULT_POSTGRES_MINOR[major]), `aws-cdk-lib has no PostgresEngineVersion ${DEFAULT_POSTGRES_MINOR[major]}`);
      assert.ok(DEFAULT_POSTGRES_MINOR[major].startsWith(`${major}.`));
    }
  });

  it('never defaults an Airflow line to a PostgreSQL major it does not support', () => {
    for (const l of AIRFLOW_LINES) {
      const v = defaultPostgresVersion(`${l.line}.0`);
      assert.ok((l.postgres as readonly string[]).includes(v.split('.')[0]!), `Airflow ${l.line} defaults to ${v}`);
      if (l.major === 2) assert.equal(v, '17.6', `Airflow ${l.line} keeps the previous default`);
    }
  });

  it('synthesizes the defaults as EKS 1.36 and RDS PostgreSQL 18.3 with a postgres18 parameter group', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::EKS::Cluster', { Version: '1.36' });
    template.hasResourceProperties('AWS::RDS::DBInstance', { Engine: 'postgres', EngineVersion: '18.3' });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'postgres18' });
  });

  it('synthesizes an Airflow 2 config on PostgreSQL 17.6 (postgres17)', () => {
    const { template } = synth('airflow: {version: 2.11.0}');
    template.hasResourceProperties('AWS::RDS::DBInstance', { EngineVersion: '17.6' });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'postgres17' });
  });
});
