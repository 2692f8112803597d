/**
 * SSO on the cluster: FAB's rendered webserver_config.py in a ConfigMap and the OIDC client secret in a Secret, both
 * mounted into the UI component (api-server on Airflow 3, webserver on 2) only — no other pod loads FAB's web app,
 * and none other needs the secret. `[fab] config_file` is set on that container alone, next to the mount it names
 * (a wrong path would be ignored silently: deploy-facts §6).
 */
import type { V1ConfigMap, V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { CLIENT_SECRET_FILE_ENV, fabConfigFileEnv, renderWebserverConfig, ssoOf } from '../airflow/fab-oidc.js';
import { FAB_CONFIG_DIR, FAB_CONFIG_FILE, OIDC_CLIENT_SECRET_FILE, OIDC_CLIENT_SECRET_KEY, OIDC_SECRET_DIR } from './airflow-config.js';
import { NAMES, objectLabels, type KubeComponent } from './labels.js';
import type { KubeInputs, KubeObject } from './model.js';

const CONFIG_KEY = 'webserver_config.py';

function isUi(component: KubeComponent): boolean {
  return component === 'api-server' || component === 'webserver';
}

/** The ConfigMap holding webserver_config.py, or undefined without SSO. */
export function webserverConfigMap(inputs: KubeInputs): (V1ConfigMap & KubeObject & { data: Record<string, string> }) | undefined {
  const oidc = ssoOf(inputs.config);
  if (!oidc) return undefined;
  const c = inputs.config;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: NAMES.webserverConfig, namespace: c.kubernetes.namespace, labels: objectLabels(c, c.airflowMajor === 3 ? 'api-server' : 'webserver') },
    data: { [CONFIG_KEY]: renderWebserverConfig({ oidc, defaultClientSecretFile: OIDC_CLIENT_SECRET_FILE }) },
  };
}

/** Data of the `airflow-oidc` Secret, or undefined without SSO or without the value (synth). */
export function oidcSecretData(inputs: KubeInputs): Record<string, string> | undefined {
  if (!ssoOf(inputs.config)) return undefined;
  if (inputs.oidcClientSecret === undefined) {
    // Rendering the other secrets but not this one would start an api-server that cannot read its client secret.
    if (inputs.secrets) throw new Error('auth.oidc is set but no OIDC client secret was read for the deploy');
    return undefined;
  }
  return { [OIDC_CLIENT_SECRET_KEY]: inputs.oidcClientSecret };
}

export interface SsoPodParts {
  readonly volumes: V1Volume[];
  readonly mounts: V1VolumeMount[];
  readonly env: V1EnvVar[];
}

/** Volumes, mounts and environment a component's pod gets for SSO (nothing unless it is the UI and SSO is on). */
export function ssoPodParts(inputs: KubeInputs, component: KubeComponent): SsoPodParts {
  if (!ssoOf(inputs.config) || !isUi(component)) return { volumes: [], mounts: [], env: [] };
  const env = { ...fabConfigFileEnv(inputs.config.airflowMajor, FAB_CONFIG_FILE), [CLIENT_SECRET_FILE_ENV]: OIDC_CLIENT_SECRET_FILE };
  return {
    volumes: [
      { name: 'fab-config', configMap: { name: NAMES.webserverConfig, items: [{ key: CONFIG_KEY, path: CONFIG_KEY }] } },
      // 0440: the Airflow user (GID 0 through fsGroup) reads it, nobody else in the pod.
      { name: 'oidc-secret', secret: { secretName: NAMES.oidc, defaultMode: 0o440, items: [{ key: OIDC_CLIENT_SECRET_KEY, path: OIDC_CLIENT_SECRET_KEY }] } },
    ],
    mounts: [
      { name: 'fab-config', mountPath: FAB_CONFIG_DIR, readOnly: true },
      { name: 'oidc-secret', mountPath: OIDC_SECRET_DIR, readOnly: true },
    ],
    env: Object.entries(env).map(([name, value]) => ({ name, value })),
  };
}
