/**
 * The resolved config: schema output plus derived defaults, normalised so consumers never branch on "unset".
 * Frozen: planning and synthesis are pure functions of it.
 */
import { derivedDefaults, DEFAULTS } from './defaults.js';
import type { ParsedConfig } from './schema.js';
import { airflowMajor } from './versions.js';

export type ResolvedNetwork =
  | {
      readonly kind: 'new';
      readonly cidr: string;
      readonly maxAzs: number;
      readonly natGateways: number;
      readonly flowLogRetentionDays: number;
    }
  | {
      readonly kind: 'existing';
      readonly vpcId: string;
      readonly availabilityZones: readonly string[];
      readonly privateSubnetIds: readonly string[];
    };

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type ResolvedConfig = DeepReadonly<
  Omit<ParsedConfig, 'network' | 'registry' | 'image' | 'database' | 'exposure' | 'auth' | '$schema'> & {
    network: ResolvedNetwork;
    database: Omit<ParsedConfig['database'], 'engineVersion'> & { engineVersion: string };
    registry: Omit<ParsedConfig['registry'], 'repositoryName'> & { repositoryName: string };
    image: Omit<ParsedConfig['image'], 'baseImage'> & { baseImage: string };
    /** `sourceCidrs` is empty when private (the rules require it otherwise). */
    exposure: Omit<ParsedConfig['exposure'], 'sourceCidrs'> & { sourceCidrs: string[] };
    /** `createAdminUser` resolved: true without SSO, false with `auth.oidc` unless the file says otherwise. */
    auth: Omit<ParsedConfig['auth'], 'createAdminUser'> & { createAdminUser: boolean };
    airflowMajor: 2 | 3;
    /** Directory of the config file; image and DAG paths are relative to it. */
    projectDir: string;
  }
>;

export function resolve(parsed: ParsedConfig, projectDir: string): ResolvedConfig {
  const { $schema: _ignored, network, registry, image, database, exposure, auth, ...rest } = parsed;
  const resolvedNetwork: ResolvedNetwork = network.existingVpc
    ? { kind: 'existing', ...network.existingVpc }
    : { kind: 'new', ...DEFAULTS.network.vpc, ...(network.vpc ?? {}) };
  return deepFreeze({
    ...rest,
    network: resolvedNetwork,
    database: { ...database, engineVersion: database.engineVersion ?? derivedDefaults.engineVersion(parsed.airflow.version) },
    registry: { ...registry, repositoryName: registry.repositoryName ?? derivedDefaults.repositoryName(parsed.name) },
    image: { ...image, baseImage: image.baseImage ?? derivedDefaults.baseImage(parsed.airflow.python) },
    exposure: { ...exposure, sourceCidrs: exposure.sourceCidrs ?? [] },
    auth: { ...auth, createAdminUser: auth.createAdminUser ?? derivedDefaults.createAdminUser(auth.oidc !== undefined) },
    airflowMajor: airflowMajor(parsed.airflow.version),
    projectDir,
  });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
