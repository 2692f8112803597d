import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container } from '@kubernetes/client-node';
import { BUNDLE_REFRESH_SECONDS, dagBundleConfigList, dagBundleEnvironment, s3BundlePrefix } from '../../../src/dags/bundle.js';
import { buildApp } from '../../../src/k8s/app.js';
import { allObjects } from '../../../src/k8s/model.js';
import { offlineInputs, PLACEHOLDERS } from '../../../src/k8s/render.js';
import { config, inputs } from '../k8s/fixtures.js';
import { podSpecs } from '../k8s/support.js';

const BUCKET = 'demo-airflow-storagebucket-abc123';
const S3 = { dags: { source: 's3' } };
const GIT = { dags: { source: 'git', git: { repoUrl: 'https://github.com/acme/dags.git', trackingRef: 'release', subdir: 'airflow/dags' } } };

describe('dag_bundle_config_list', () => {
  const cases: [string, Record<string, unknown>, unknown][] = [
    ['image (the default): none, Airflow keeps its dags-folder bundle over the image folder', {}, undefined],
    [
      's3: S3DagBundle with bucket_name (not "bucket"), the prefix, the env-defined connection and a 20 s refresh',
      S3,
      [
        {
          name: 's3_dags',
          classpath: 'airflow.providers.amazon.aws.bundles.s3.S3DagBundle',
          kwargs: { bucket_name: BUCKET, prefix: 'dags/s3_dags', aws_conn_id: 'aws_dags', refresh_interval: BUNDLE_REFRESH_SECONDS },
        },
      ],
    ],
    [
      'git: GitDagBundle with repo, tracking ref, subdir and the connection id only (credentials stay in Secrets Manager)',
      GIT,
      [
        {
          name: 'git_dags',
          classpath: 'airflow.providers.git.bundles.git.GitDagBundle',
          kwargs: { repo_url: 'https://github.com/acme/dags.git', tracking_ref: 'release', git_conn_id: 'git_dags', subdir: 'airflow/dags', refresh_interval: BUNDLE_REFRESH_SECONDS },
        },
      ],
    ],
  ];
  for (const [name, extra, expected] of cases) {
    it(name, () => assert.deepEqual(dagBundleConfigList(config(extra), { bucketName: BUCKET }), expected));
  }

  it('refreshes often enough for an upload to reach the scheduler within 60 s (refresh + 30 s parse interval + 5 s check)', () => {
    assert.ok(BUNDLE_REFRESH_SECONDS + 30 + 5 <= 60);
  });

  it('keeps the bundle one level under dags/, inside what the pod roles may list and read', () => {
    assert.equal(s3BundlePrefix(), 'dags/s3_dags/');
  });
});

describe('the AWS connection of the S3 bundle', () => {
  const cases: [string, Record<string, unknown>, Record<string, string>][] = [
    ['AWS itself: region only, no keys (Pod Identity)', S3, { region_name: 'eu-west-1' }],
    [
      'an S3-compatible endpoint: storage.endpointUrl as endpoint_url',
      { ...S3, storage: { endpointUrl: 'http://127.0.0.1:5000' } },
      { region_name: 'eu-west-1', endpoint_url: 'http://127.0.0.1:5000' },
    ],
  ];
  for (const [name, extra, expected] of cases) {
    it(name, () => {
      const env = dagBundleEnvironment(config(extra), { bucketName: BUCKET });
      assert.deepEqual(JSON.parse(env['AIRFLOW_CONN_AWS_DAGS']!), { conn_type: 'aws', extra: expected });
      assert.doesNotMatch(JSON.stringify(env), /aws_access_key_id|aws_secret_access_key|password/i);
    });
  }
  it('is not defined for git or image sources', () => {
    assert.deepEqual(Object.keys(dagBundleEnvironment(config(GIT), undefined)), ['AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST']);
    assert.deepEqual(dagBundleEnvironment(config(), undefined), {});
  });
});

/** The effective environment of a container: the ConfigMaps it imports, then its own env values. */
function effectiveEnv(c: V1Container, configMaps: Map<string, Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const f of c.envFrom ?? []) if (f.configMapRef?.name) Object.assign(env, configMaps.get(f.configMapRef.name) ?? {});
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

describe('the bundle on every component that parses or runs tasks', () => {
  const OWNERS = [
    'Deployment/airflow-api-server',
    'Deployment/airflow-dag-processor',
    'Deployment/airflow-scheduler',
    'Deployment/airflow-triggerer',
    'executor pod template',
  ];
  for (const [name, extra] of [['s3', S3], ['git', GIT]] as const) {
    it(`${name}: the same bundle list on ${OWNERS.join(', ')}`, () => {
      const cfg = config(extra);
      const app = buildApp(inputs(cfg, { dagBundle: { bucketName: BUCKET } }));
      const maps = new Map(
        allObjects(app)
          .filter((o) => o.kind === 'ConfigMap')
          .map((o) => [o.metadata.name, (o as unknown as { data: Record<string, string> }).data]),
      );
      const expected = JSON.stringify(dagBundleConfigList(cfg, { bucketName: BUCKET }));
      const seen: string[] = [];
      for (const p of podSpecs(app)) {
        const main = p.spec.containers[0]!;
        const env = effectiveEnv(main, maps);
        if (!OWNERS.includes(p.owner)) continue;
        seen.push(p.owner);
        assert.equal(env['AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST'], expected, p.owner);
        if (name === 's3') assert.equal(env['AIRFLOW_CONN_AWS_DAGS'], JSON.stringify({ conn_type: 'aws', extra: { region_name: 'eu-west-1' } }), p.owner);
      }
      assert.deepEqual(seen.sort(), OWNERS);
    });
  }

  it('image: no bundle list anywhere (Airflow\'s default dags-folder bundle)', () => {
    const app = buildApp(inputs(config()));
    assert.doesNotMatch(JSON.stringify(allObjects(app)), /DAG_BUNDLE_CONFIG_LIST|AIRFLOW_CONN_AWS_DAGS/);
  });

  it('synth renders the bucket as a marked placeholder', () => {
    const env = dagBundleEnvironment(config(S3), offlineInputs(config(S3)).dagBundle);
    assert.match(env['AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST']!, new RegExp(`"bucket_name":"${PLACEHOLDERS.bucket}"`));
  });

  it('an s3 source without the bucket is a programming error, not a silent default', () => {
    assert.throws(() => buildApp(inputs(config(S3))), /needs the deployment bucket/);
  });
});
