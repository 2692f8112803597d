/**
 * The infrastructure part of `plan`: what CloudFormation would create (resources by kind, from the synthesized
 * templates themselves) and the settings a reviewer cares about. Pure.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import type { SynthesizedTemplate } from '../infra/synthesize.js';
import { exposureSummary } from '../k8s/exposure.js';

export interface ResourceCount {
  readonly type: string;
  readonly count: number;
}

export interface PlanSetting {
  readonly area: string;
  readonly setting: string;
  readonly value: string;
}

export interface InfraPlan {
  readonly name: string;
  readonly region: string;
  readonly stacks: readonly { readonly stackName: string; readonly resourceCount: number }[];
  readonly resources: readonly ResourceCount[];
  readonly settings: readonly PlanSetting[];
}

export function planInfrastructure(config: ResolvedConfig, templates: readonly SynthesizedTemplate[]): InfraPlan {
  const counts = new Map<string, number>();
  for (const t of templates) {
    for (const r of Object.values(t.template.Resources ?? {})) counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
  }
  const resources = [...counts.entries()]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => a.type.localeCompare(b.type));
  return {
    name: config.name,
    region: config.region,
    stacks: templates.map((t) => ({ stackName: t.stackName, resourceCount: Object.keys(t.template.Resources ?? {}).length })),
    resources,
    settings: notableSettings(config),
  };
}

/** One line: how people sign in (never the secret; its ARN is not secret but adds nothing here). */
export function signInSummary(c: ResolvedConfig): string {
  const admin = c.auth.createAdminUser ? 'database user admin (generated password)' : 'no database admin';
  const o = c.auth.oidc;
  if (!o) return admin;
  const groups = Object.keys(o.roleMapping).length;
  return `SSO through ${o.issuer} (${groups} mapped group${groups === 1 ? '' : 's'}, others ${o.defaultRole ?? 'refused'}); ${admin}`;
}

function notableSettings(c: ResolvedConfig): PlanSetting[] {
  const s: PlanSetting[] = [];
  const add = (area: string, setting: string, value: string | number | boolean) => s.push({ area, setting, value: String(value) });
  add('airflow', 'version', `${c.airflow.version} (Python ${c.airflow.python}, ${c.airflow.executor}, auth ${c.airflow.auth})`);
  if (c.network.kind === 'new') {
    add('network', 'vpc', `new ${c.network.cidr} over ${c.network.maxAzs} AZs, ${c.network.natGateways} NAT gateway(s)`);
    add('network', 'flow logs', `CloudWatch Logs, ${c.network.flowLogRetentionDays} days`);
  } else {
    add('network', 'vpc', `existing ${c.network.vpcId} (${c.network.privateSubnetIds.length} private subnets)`);
  }
  const d = c.database;
  add('database', 'engine', `PostgreSQL ${d.engineVersion} on ${d.instanceClass}${d.multiAz ? ', multi-AZ' : ', single-AZ'}`);
  add('database', 'storage', `${d.storageGiB}–${d.maxStorageGiB} GiB gp3, encrypted`);
  add('database', 'exposure', 'private subnets only; port 5432 from the cluster security group; TLS forced');
  add('database', 'backups', `${d.backupRetentionDays} days; deletion protection ${d.deletionProtection ? 'on' : 'off'}; snapshot on delete`);
  const k = c.cluster;
  add('cluster', 'kubernetes', `EKS ${k.kubernetesVersion}, secrets envelope-encrypted (KMS)`);
  add(
    'cluster',
    'endpoint',
    k.endpointAccess === 'private' ? 'private only' : `${k.endpointAccess} (public from ${k.publicAccessCidrs.join(', ')})`,
  );
  const ng = k.nodeGroup;
  add('cluster', 'nodes', `${ng.instanceTypes.join('/')} ${ng.capacityType}, ${ng.minSize}–${ng.maxSize} (desired ${ng.desiredSize}), ${ng.diskGiB} GiB, AL2023`);
  add('cluster', 'admins', k.adminPrincipalArns.length ? k.adminPrincipalArns.join(', ') : 'none beyond the deploying principal');
  add('registry', 'ecr', `${c.registry.repositoryName}, scan on push ${c.registry.scanOnPush ? 'on' : 'off'}, keeps ${c.registry.keepImages} images`);
  add('storage', 'logs bucket', `S3, TLS only, versioned, encrypted; task logs kept ${c.storage.logRetentionDays} days`);
  add('ui', 'exposure', exposureSummary(c));
  add('ui', 'sign-in', signInSummary(c));
  add('identity', 'pod identity', 'one IAM role per component (api-server, scheduler, dag-processor, triggerer, worker); no static keys');
  return s;
}

/** Human rendering: aligned columns, stable order. */
export function formatInfraPlan(p: InfraPlan): string {
  const lines: string[] = [];
  lines.push(`Plan for "${p.name}" in ${p.region}`);
  lines.push('');
  lines.push('Settings');
  const w1 = Math.max(...p.settings.map((x) => `${x.area} ${x.setting}`.length));
  for (const x of p.settings) lines.push(`  ${`${x.area} ${x.setting}`.padEnd(w1)}  ${x.value}`);
  lines.push('');
  const total = p.resources.reduce((n, r) => n + r.count, 0);
  lines.push(`Resources to create (${total} in ${p.stacks.length} stack${p.stacks.length === 1 ? '' : 's'}: ${p.stacks.map((s) => s.stackName).join(', ')})`);
  const w2 = Math.max(...p.resources.map((r) => r.type.length));
  for (const r of p.resources) lines.push(`  + ${r.type.padEnd(w2)}  ${r.count}`);
  return lines.join('\n');
}
