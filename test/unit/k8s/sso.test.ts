import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Deployment, V1NetworkPolicy, V1Secret } from '@kubernetes/client-node';
import { buildApp } from '../../../src/k8s/app.js';
import { allObjects } from '../../../src/k8s/model.js';
import { toYaml } from '../../../src/k8s/yaml.js';
import { lockRequest } from '../../../src/image/lock.js';
import { config, inputs } from './fixtures.js';
import { find, ofKind, podSpecs, restrictedViolations } from './support.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow-oidc-AbCdEf';
const OIDC = { issuer: 'https://idp.example.com', clientId: 'airflow', clientSecret: ARN, roleMapping: { admins: 'Admin' } };
const CLIENT_SECRET = 'client-secret-value-9f8e7d';

interface Case {
  readonly name: string;
  readonly airflow: Record<string, unknown>;
  readonly auth?: Record<string, unknown>;
  /** The UI Deployment, or undefined when SSO is off (nothing of it rendered). */
  readonly ui?: { readonly deployment: string; readonly configFileEnv: string };
  readonly adminJob: boolean;
}

const cases: readonly Case[] = [
  { name: 'Airflow 3 without SSO', airflow: {}, adminJob: true },
  { name: 'Airflow 3 with SSO', airflow: {}, auth: { oidc: OIDC }, ui: { deployment: 'airflow-api-server', configFileEnv: 'AIRFLOW__FAB__CONFIG_FILE' }, adminJob: false },
  { name: 'Airflow 3 with SSO and the admin user asked for', airflow: {}, auth: { oidc: OIDC, createAdminUser: true }, ui: { deployment: 'airflow-api-server', configFileEnv: 'AIRFLOW__FAB__CONFIG_FILE' }, adminJob: true },
  { name: 'Airflow 2 with SSO', airflow: { version: '2.10.5' }, auth: { oidc: OIDC }, ui: { deployment: 'airflow-webserver', configFileEnv: 'AIRFLOW__WEBSERVER__CONFIG_FILE' }, adminJob: false },
];

describe('SSO on the cluster', () => {
  for (const c of cases) {
    describe(c.name, () => {
      const cfg = config(c.auth ? { auth: c.auth } : {}, c.airflow);
      const app = buildApp(inputs(cfg, c.ui ? { oidcClientSecret: CLIENT_SECRET } : {}));
      const deployments = ofKind<V1Deployment>(app, 'Deployment');

      it(`${c.adminJob ? 'runs' : 'has no'} admin user Job`, () => {
        assert.equal(app.phases.some((p) => p.name === 'create-admin'), c.adminJob);
      });

      if (!c.ui) {
        it('renders no webserver config, no OIDC Secret and no config_file setting', () => {
          assert.equal(allObjects(app).some((o) => o.metadata.name === 'airflow-webserver-config' || o.metadata.name === 'airflow-oidc'), false);
          assert.doesNotMatch(toYaml(allObjects(app)), /CONFIG_FILE|oidc/i);
        });
        return;
      }
      const ui = c.ui;

      it('mounts webserver_config.py at the path the config_file setting names, on the UI only', () => {
        const cm = find<V1ConfigMap>(app, 'ConfigMap', 'airflow-webserver-config');
        assert.match(cm.data!['webserver_config.py']!, /^AUTH_TYPE = AUTH_OAUTH$/m);
        for (const d of deployments) {
          const spec = d.spec!.template.spec!;
          const main = spec.containers[0]!;
          const env = Object.fromEntries((main.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
          const mounts = main.volumeMounts ?? [];
          if (d.metadata!.name !== ui.deployment) {
            assert.equal(d.spec!.template.metadata!.annotations!['airflow-aws/checksum-oidc-secret'], undefined, d.metadata!.name);
            assert.equal(env[ui.configFileEnv], undefined, d.metadata!.name);
            assert.equal(mounts.some((m) => m.name === 'fab-config' || m.name === 'oidc-secret'), false, d.metadata!.name);
            continue;
          }
          const file = env[ui.configFileEnv]!;
          const dir = file.slice(0, file.lastIndexOf('/'));
          const fabVolume = spec.volumes!.find((v) => v.name === 'fab-config')!;
          assert.equal(fabVolume.configMap!.name, 'airflow-webserver-config');
          assert.deepEqual(fabVolume.configMap!.items, [{ key: 'webserver_config.py', path: file.slice(dir.length + 1) }]);
          assert.deepEqual(mounts.find((m) => m.name === 'fab-config'), { name: 'fab-config', mountPath: dir, readOnly: true });
          // The secret file the rendered config reads is the one the Secret volume provides.
          const secretFile = env['AIRFLOW_AWS_OIDC_CLIENT_SECRET_FILE']!;
          const secretMount = mounts.find((m) => m.name === 'oidc-secret')!;
          const secretVolume = spec.volumes!.find((v) => v.name === 'oidc-secret')!;
          assert.equal(secretVolume.secret!.secretName, 'airflow-oidc');
          assert.equal(`${secretMount.mountPath}/${secretVolume.secret!.items![0]!.path}`, secretFile);
          assert.ok(d.spec!.template.metadata!.annotations!['airflow-aws/checksum-webserver-config']);
          assert.ok(d.spec!.template.metadata!.annotations!['airflow-aws/checksum-oidc-secret']);
        }
      });

      it('keeps the client secret in the airflow-oidc Secret only', () => {
        const secret = find<V1Secret>(app, 'Secret', 'airflow-oidc');
        assert.equal(Buffer.from(secret.data!['client-secret']!, 'base64').toString('utf8'), CLIENT_SECRET);
        const rest = allObjects(app).filter((o) => !(o.kind === 'Secret'));
        assert.doesNotMatch(toYaml(rest), new RegExp(CLIENT_SECRET));
        assert.doesNotMatch(toYaml(rest), new RegExp(Buffer.from(CLIENT_SECRET).toString('base64')));
      });

      it('stays Pod Security restricted', () => {
        for (const p of podSpecs(app)) assert.deepEqual(restrictedViolations(p.spec), [], p.owner);
      });
    });
  }

  it('rolls the UI alone when the client secret is rotated (the shared secrets checksum stays)', () => {
    const cfg = config({ auth: { oidc: OIDC } });
    const annotations = (secret: string) =>
      Object.fromEntries(ofKind<V1Deployment>(buildApp(inputs(cfg, { oidcClientSecret: secret })), 'Deployment').map((d) => [d.metadata!.name, d.spec!.template.metadata!.annotations!]));
    const a = annotations('one');
    const b = annotations('two');
    for (const name of Object.keys(a)) {
      assert.equal(a[name]!['airflow-aws/checksum-secrets'], b[name]!['airflow-aws/checksum-secrets'], name);
      if (name === 'airflow-api-server') assert.notEqual(a[name]!['airflow-aws/checksum-oidc-secret'], b[name]!['airflow-aws/checksum-oidc-secret']);
    }
  });

  it('renders no OIDC Secret when synthesizing without secret values', () => {
    const app = buildApp(inputs(config({ auth: { oidc: OIDC } }), { secrets: undefined, databaseMaster: undefined }));
    assert.equal(allObjects(app).some((o) => o.kind === 'Secret'), false);
    assert.ok(find(app, 'ConfigMap', 'airflow-webserver-config'));
  });

  it('refuses to deploy SSO without the client secret (the api-server could not start)', () => {
    assert.throws(() => buildApp(inputs(config({ auth: { oidc: OIDC } }))), /no OIDC client secret/);
  });

  it('opens egress to an issuer on a port other than 443 for the UI only', () => {
    const on = (issuer: string) =>
      ofKind<V1NetworkPolicy>(buildApp(inputs(config({ auth: { oidc: { ...OIDC, issuer } } }), { oidcClientSecret: 'x' })), 'NetworkPolicy').find(
        (p) => p.metadata!.name === 'airflow-ui-oidc-egress',
      );
    assert.equal(on('https://idp.example.com'), undefined);
    assert.equal(on('https://idp.example.com:443/realm'), undefined);
    const p = on('https://idp.example.com:8443/realm')!;
    assert.deepEqual(p.spec!.egress, [{ ports: [{ protocol: 'TCP', port: 8443 }] }]);
    assert.equal(p.spec!.podSelector!.matchLabels!['app.kubernetes.io/component'], 'api-server');
  });

  it('adds FAB\'s OAuth client to the lock with SSO, and changes nothing without it', () => {
    const without = lockRequest(config(), '');
    const withSso = lockRequest(config({ auth: { oidc: OIDC } }), '');
    assert.ok(!without.requirementsIn.includes('flask-appbuilder[oauth]'));
    assert.deepEqual(withSso.requirementsIn.filter((l) => !without.requirementsIn.includes(l)), ['flask-appbuilder[oauth]']);
    assert.notEqual(withSso.inputsHash, without.inputsHash);
  });
});
