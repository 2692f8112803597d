/**
 * Cross-field rules the schema cannot express per key. Each returns problems naming the path that must change.
 */
import type { ConfigProblem } from './problems.js';
import type { ParsedConfig } from './schema.js';
import { AIRFLOW_LINES, POSTGRES_18_SINCE, POSTGRES_MAJORS, airflowLine, defaultPostgresVersion } from './versions.js';

/** Graviton families carry a "g" after the generation digit (m7g, c6gn, t4g, x2gd); a1 is the first Graviton. */
export function instanceArchitecture(instanceType: string): 'arm64' | 'x86_64' {
  const family = instanceType.split('.')[0] ?? '';
  return family === 'a1' || /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) ? 'arm64' : 'x86_64';
}

export function checkRules(c: ParsedConfig, raw: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string, received?: unknown, hint?: string) =>
    problems.push({ path, message, ...(received !== undefined ? { received: String(received) } : {}), ...(hint ? { hint } : {}) });

  const line = airflowLine(c.airflow.version);
  if (!line) {
    add(
      'airflow.version',
      'is not a supported Airflow version',
      JSON.stringify(c.airflow.version),
      `supported lines: ${AIRFLOW_LINES.map((l) => `${l.line}.x`).join(', ')}`,
    );
  } else {
    if (!line.pythons.includes(c.airflow.python)) {
      add(
        'airflow.python',
        `is not supported by Airflow ${line.line}`,
        JSON.stringify(c.airflow.python),
        `use one of ${line.pythons.join(', ')}`,
      );
    }
    if (line.major === 2 && c.airflow.auth === 'simple') {
      add('airflow.auth', 'the simple auth manager exists only on Airflow 3', '"simple"', 'use "fab" on Airflow 2');
    }
  }

  if (c.storage.devBucket !== undefined && c.storage.endpointUrl === undefined) {
    add('storage.devBucket', 'needs storage.endpointUrl (the S3-compatible endpoint that holds it)', JSON.stringify(c.storage.devBucket), 'add storage.endpointUrl, e.g. http://127.0.0.1:9000 for a local MinIO');
  }
  if (line?.major === 2 && c.dags.source !== 'image') {
    add('dags.source', 'DAG bundles exist only on Airflow 3; Airflow 2 reads DAGs from the image', JSON.stringify(c.dags.source), 'use "image" on Airflow 2 (docs/dags.md)');
  }
  if (c.dags.source === 'git' && !c.dags.git) {
    add('dags.git', 'is required when dags.source is "git"', 'nothing', 'give at least dags.git.repoUrl');
  }

  const ng = c.cluster.nodeGroup;
  if (ng.desiredSize > ng.maxSize) {
    add('cluster.nodeGroup.maxSize', `must be >= desiredSize (${ng.desiredSize})`, ng.maxSize);
  }
  if (ng.minSize > ng.desiredSize) {
    add('cluster.nodeGroup.desiredSize', `must be >= minSize (${ng.minSize})`, ng.desiredSize);
  }
  const archs = new Set(ng.instanceTypes.map(instanceArchitecture));
  if (archs.size > 1) {
    add(
      'cluster.nodeGroup.instanceTypes',
      'mixes arm64 (Graviton) and x86_64 instance types; a node group has one AMI architecture',
      ng.instanceTypes.join(', '),
    );
  } else {
    const arch = [...archs][0];
    const platformArch = c.image.platform === 'linux/arm64' ? 'arm64' : 'x86_64';
    if (arch && arch !== platformArch) {
      add(
        'image.platform',
        `does not match the node group's ${arch} instance types (${ng.instanceTypes.join(', ')})`,
        JSON.stringify(c.image.platform),
        arch === 'arm64' ? 'set image.platform: linux/arm64' : 'set image.platform: linux/amd64',
      );
    }
  }

  const db = c.database;
  if (db.maxStorageGiB < db.storageGiB) {
    add('database.maxStorageGiB', `must be >= storageGiB (${db.storageGiB})`, db.maxStorageGiB);
  }
  // Unset, it is derived from the Airflow line (always supported); only a version the file names is checked.
  if (db.engineVersion !== undefined) {
    const major = db.engineVersion.split('.')[0] ?? '';
    const everyLine = POSTGRES_MAJORS.filter((m) => m !== '18');
    const hint = `e.g. "${defaultPostgresVersion(c.airflow.version)}"`;
    if (!(POSTGRES_MAJORS as readonly string[]).includes(major)) {
      add('database.engineVersion', `must be PostgreSQL ${orList(everyLine)}, or 18 on Airflow ${POSTGRES_18_SINCE}+`, JSON.stringify(db.engineVersion), hint);
    } else if (line && !(line.postgres as readonly string[]).includes(major)) {
      add(
        'database.engineVersion',
        `must be PostgreSQL ${orList(line.postgres)} on Airflow ${line.line} (${major} needs Airflow ${POSTGRES_18_SINCE}+)`,
        JSON.stringify(db.engineVersion),
        hint,
      );
    }
  }

  const net = c.network;
  if (net.vpc && net.existingVpc) {
    add('network', 'sets both vpc (create one) and existingVpc (use one); choose one', undefined);
  }
  const prefix = net.vpc ? Number(net.vpc.cidr.split('/')[1]) : undefined;
  if (net.vpc && prefix !== undefined && (prefix < 16 || prefix > 24)) {
    // AWS allows /16–/28, but with vpc-cni every pod takes a VPC address: below /24 the subnets run dry.
    add('network.vpc.cidr', 'must have a prefix between /16 and /24 (pods take VPC addresses)', JSON.stringify(net.vpc.cidr), 'e.g. 10.0.0.0/16');
  }
  if (net.vpc && net.vpc.natGateways > net.vpc.maxAzs) {
    add('network.vpc.natGateways', `must be <= maxAzs (${net.vpc.maxAzs})`, net.vpc.natGateways);
  }
  if (net.existingVpc && net.existingVpc.privateSubnetIds.length !== net.existingVpc.availabilityZones.length) {
    add(
      'network.existingVpc.privateSubnetIds',
      `must list one subnet per availability zone (${net.existingVpc.availabilityZones.length})`,
      `${net.existingVpc.privateSubnetIds.length} subnets`,
    );
  }

  const rawCluster = raw['cluster'];
  const explicitCidrs =
    typeof rawCluster === 'object' && rawCluster !== null && 'publicAccessCidrs' in (rawCluster as Record<string, unknown>);
  if (c.cluster.endpointAccess === 'private' && explicitCidrs) {
    add(
      'cluster.publicAccessCidrs',
      'has no effect with endpointAccess "private"',
      c.cluster.publicAccessCidrs.join(', '),
      'remove it, or use endpointAccess "public-and-private"',
    );
  }
  problems.push(...exposureProblems(c, raw));
  problems.push(...oidcProblems(c));
  return problems;
}

/**
 * `exposure`: a load balancer only with TLS (unless explicitly opted out), a certificate from the deployment's
 * region, a host name for the certificate, and the client CIDRs spelled out; nothing of that on a private UI.
 */
function exposureProblems(c: ParsedConfig, raw: Record<string, unknown>): ConfigProblem[] {
  const e = c.exposure;
  const out: ConfigProblem[] = [];
  const add = (key: string, message: string, received?: string, hint?: string) =>
    out.push({ path: `exposure.${key}`, message, ...(received !== undefined ? { received } : {}), ...(hint ? { hint } : {}) });
  const mode = JSON.stringify(e.mode);
  if (e.mode === 'private') {
    const rawExposure = raw['exposure'];
    const given = typeof rawExposure === 'object' && rawExposure !== null ? (rawExposure as Record<string, unknown>) : {};
    for (const key of ['certificateArn', 'hostname', 'sourceCidrs', 'allowInsecureHttp'] as const) {
      if (key in given) add(key, `has no effect with exposure.mode ${mode} (no load balancer)`, describe(given[key]), 'remove it, or set exposure.mode to internal or public');
    }
    return out;
  }
  if (e.certificateArn === undefined) {
    if (!e.allowInsecureHttp) {
      add(
        'certificateArn',
        `is required with exposure.mode ${mode}: the load balancer serves the UI over TLS`,
        'nothing',
        'give an ACM certificate ARN for exposure.hostname, or set exposure.allowInsecureHttp: true to accept plain HTTP',
      );
    }
  } else {
    const region = e.certificateArn.split(':')[3];
    if (region !== c.region) {
      add('certificateArn', `must be in the deployment's region ${c.region} (a load balancer only uses certificates from its own region)`, JSON.stringify(e.certificateArn));
    }
    if (e.hostname === undefined) {
      add('hostname', 'is required with a certificate: the name the certificate covers, which becomes the base URL', 'nothing', 'e.g. airflow.example.com');
    }
    if (e.allowInsecureHttp) add('allowInsecureHttp', 'has no effect with a certificate (the load balancer serves HTTPS only)', 'true', 'remove it');
  }
  if (e.sourceCidrs === undefined) {
    add(
      'sourceCidrs',
      `is required with exposure.mode ${mode}: the client addresses allowed to reach the load balancer`,
      'nothing',
      e.mode === 'public' ? 'e.g. [203.0.113.0/24]; [0.0.0.0/0] allows the whole internet' : 'e.g. the VPC or VPN range, [10.0.0.0/8]',
    );
  } else {
    e.sourceCidrs.forEach((cidr, i) => {
      const network = networkAddress(cidr);
      if (network !== cidr) add(`sourceCidrs[${i}]`, 'has host bits set', JSON.stringify(cidr), `did you mean ${network}?`);
    });
  }
  return out;
}

/**
 * `auth.oidc`: SSO is FAB's OAuth login, so the simple auth manager cannot carry it; and a mapping that lets nobody
 * in (no group mapped, no default role) is a mistake, not a policy.
 */
function oidcProblems(c: ParsedConfig): ConfigProblem[] {
  const o = c.auth.oidc;
  if (!o) return [];
  const out: ConfigProblem[] = [];
  if (c.airflow.auth === 'simple') {
    out.push({
      path: 'auth.oidc',
      message: 'needs airflow.auth "fab": single sign-on is the FAB auth manager\'s OAuth login, which the simple auth manager does not have',
      received: 'airflow.auth "simple"',
      hint: 'set airflow.auth: fab (then run `airflow-aws image lock` again), or remove auth.oidc',
    });
  }
  if (Object.keys(o.roleMapping).length === 0 && o.defaultRole === undefined) {
    out.push({
      path: 'auth.oidc.roleMapping',
      message: 'maps no group and auth.oidc.defaultRole is unset: nobody could sign in',
      received: 'nothing',
      hint: 'map at least one group, e.g. roleMapping: { airflow-admins: Admin }, or set defaultRole: Viewer',
    });
  }
  return out;
}

/** The CIDR with its host bits cleared: `10.1.2.3/16` → `10.1.0.0/16`. */
export function networkAddress(cidr: string): string {
  const [ip, bitsText] = cidr.split('/') as [string, string];
  const bits = Number(bitsText);
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - bits);
  const net = Number((BigInt(n) & BigInt(mask)).toString());
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${bits}`;
}

function describe(v: unknown): string {
  return Array.isArray(v) ? v.join(', ') : JSON.stringify(v);
}

/** "16 or 17", "16, 17 or 18". */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]!}`;
}
