/**
 * The schema of airflow-aws.yaml: the single source for validation, defaults and the JSON Schema that editors use.
 * Objects are strict — an unknown key is an error, never silently ignored.
 * Cross-field rules (max >= desired, Python per Airflow line, ...) live in ./rules.ts so each can name its path.
 */
import { z } from 'zod';
import { DEFAULTS } from './defaults.js';
import {
  AIRFLOW_VERSION_PATTERN,
  DEFAULT_POSTGRES_MINOR,
  DEFAULT_POSTGRES_VERSION,
  KUBERNETES_VERSIONS,
  POSTGRES_18_SINCE,
} from './versions.js';


/**
 * Longest `name`: it prefixes the stack, EKS cluster and RDS instance (`<name>-airflow`), the ECR repository and the
 * log groups, and CloudFormation builds IAM role names (64 characters) from the stack name plus a logical id and a
 * random suffix — 28 keeps every derived name whole and recognisable.
 */
export const NAME_MAX_LENGTH = 28;

const dns1123Label = z
  .string()
  .min(1)
  .max(NAME_MAX_LENGTH, { message: `must be at most ${NAME_MAX_LENGTH} characters (it prefixes AWS names such as the cluster and database)` })
  .regex(/^[a-z]([a-z0-9-]*[a-z0-9])?$/, {
    message: 'must be a DNS-1123 label: lowercase letters, digits and "-", starting with a letter, not ending with "-"',
  })
  .refine((v) => !v.includes('--'), { message: 'must not contain "--" (RDS identifiers forbid it)' });

const cidr = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, { message: 'must be an IPv4 CIDR such as 10.0.0.0/16' })
  .refine(
    (v) => {
      const [ip, bits] = v.split('/') as [string, string];
      return ip.split('.').every((o) => Number(o) <= 255) && Number(bits) <= 32;
    },
    { message: 'has an octet above 255 or a prefix above /32' },
  );

const quantity = (what: string) =>
  z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, { message: `must be a Kubernetes ${what} quantity such as 500m or 1Gi` });

const component = (d: { replicas: number; cpu: string; memory: string }, what: string) =>
  z
    .strictObject({
      replicas: z.int().min(1).max(10).default(d.replicas).describe(`Replicas of the ${what}.`),
      cpu: quantity('CPU').default(d.cpu).describe('CPU request; the limit is 4x the request (heartbeats may burst, a runaway process cannot starve the node).'),
      memory: quantity('memory').default(d.memory).describe('Memory request and limit.'),
    })
    .prefault({})
    .describe(`Resources of the ${what}.`);

export const airflowSchema = z
  .strictObject({
    version: z
      .string()
      .regex(AIRFLOW_VERSION_PATTERN, { message: 'must be a full Airflow version such as 3.3.2' })
      .default(DEFAULTS.airflow.version)
      .describe('Apache Airflow version: a 3.x release (default) or the 2.9–2.11 line.'),
    python: z
      .string()
      .regex(/^3\.\d+$/, { message: 'must be a Python minor version such as 3.12' })
      .default(DEFAULTS.airflow.python)
      .describe('Python minor version of the image.'),
    executor: z
      .enum(['KubernetesExecutor', 'LocalExecutor'])
      .default(DEFAULTS.airflow.executor)
      .describe('KubernetesExecutor runs one pod per task; LocalExecutor runs tasks inside the scheduler pod.'),
    auth: z
      .enum(['fab', 'simple'])
      .default(DEFAULTS.airflow.auth)
      .describe('UI/API auth manager: fab (users in the database, SSO-capable) or simple (development only on Airflow 3).'),
  })
  .prefault({})
  .describe('Airflow itself.');

const newVpcSchema = z
  .strictObject({
    cidr: cidr.default(DEFAULTS.network.vpc.cidr).describe('IPv4 CIDR of the new VPC.'),
    maxAzs: z.int().min(2).max(6).default(DEFAULTS.network.vpc.maxAzs).describe('Availability zones to spread subnets over (RDS needs 2).'),
    natGateways: z
      .int()
      .min(1)
      .max(6)
      .default(DEFAULTS.network.vpc.natGateways)
      .describe('NAT gateways for the private subnets; one per AZ for zone-independent egress.'),
    flowLogRetentionDays: z
      .int()
      .min(1)
      .max(3653)
      .default(DEFAULTS.network.vpc.flowLogRetentionDays)
      .describe('Days to keep VPC flow logs in CloudWatch Logs.'),
  })
  .describe('Create a new VPC (the default).');

const existingVpcSchema = z
  .strictObject({
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { message: 'must be a VPC id such as vpc-0abc12345def67890' }),
    availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, { message: 'must be an AZ name such as us-east-1a' })).min(2),
    privateSubnetIds: z
      .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: 'must be a subnet id such as subnet-0abc12345def67890' }))
      .min(2)
      .describe('Private subnets (with a route to a NAT) for the nodes and the database, one per AZ, in AZ order.'),
  })
  .describe('Use an existing VPC instead of creating one. No lookups are made: give the ids.');

export const networkSchema = z
  .strictObject({
    vpc: newVpcSchema.optional(),
    existingVpc: existingVpcSchema.optional(),
  })
  .prefault({})
  .describe('Where everything runs: a new VPC (network.vpc, default) or an existing one (network.existingVpc).');

export const databaseSchema = z
  .strictObject({
    engineVersion: z
      .string()
      .regex(/^\d+\.\d+$/, { message: `must be a full PostgreSQL minor version such as ${DEFAULT_POSTGRES_VERSION} (not a bare major)` })
      .optional()
      .describe(
        `RDS PostgreSQL engine version: a full minor of PostgreSQL 16 or 17, or 18 on Airflow ${POSTGRES_18_SINCE}+. ` +
          `Default: "${DEFAULT_POSTGRES_VERSION}" on Airflow ${POSTGRES_18_SINCE}+, "${DEFAULT_POSTGRES_MINOR['17']}" on earlier lines.`,
      ),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, { message: 'must be an RDS instance class such as db.t4g.medium' })
      .default(DEFAULTS.database.instanceClass)
      .describe('RDS instance class.'),
    storageGiB: z.int().min(20).max(65536).default(DEFAULTS.database.storageGiB).describe('Allocated storage (gp3), GiB.'),
    maxStorageGiB: z.int().min(20).max(65536).default(DEFAULTS.database.maxStorageGiB).describe('Storage autoscaling ceiling, GiB.'),
    multiAz: z.boolean().default(DEFAULTS.database.multiAz).describe('Standby in a second AZ.'),
    backupRetentionDays: z.int().min(1).max(35).default(DEFAULTS.database.backupRetentionDays).describe('Automated backup retention, days.'),
    deletionProtection: z.boolean().default(DEFAULTS.database.deletionProtection).describe('Refuse DeleteDBInstance until turned off.'),
  })
  .prefault({})
  .describe('The Airflow metadata database (RDS PostgreSQL, private, encrypted, TLS only).');

export const nodeGroupSchema = z
  .strictObject({
    instanceTypes: z
      .array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: 'must be an EC2 instance type such as m6i.large' }))
      .min(1)
      .max(20)
      .default([...DEFAULTS.cluster.nodeGroup.instanceTypes])
      .describe('EC2 instance types of the managed node group (one CPU architecture).'),
    capacityType: z.enum(['on-demand', 'spot']).default(DEFAULTS.cluster.nodeGroup.capacityType).describe('On-demand or spot capacity.'),
    minSize: z.int().min(0).max(450).default(DEFAULTS.cluster.nodeGroup.minSize).describe('Minimum nodes.'),
    desiredSize: z.int().min(0).max(450).default(DEFAULTS.cluster.nodeGroup.desiredSize).describe('Nodes at creation.'),
    maxSize: z.int().min(1).max(450).default(DEFAULTS.cluster.nodeGroup.maxSize).describe('Maximum nodes.'),
    diskGiB: z.int().min(20).max(16384).default(DEFAULTS.cluster.nodeGroup.diskGiB).describe('Root volume per node, GiB.'),
  })
  .prefault({})
  .describe('The AL2023 managed node group.');

export const clusterSchema = z
  .strictObject({
    kubernetesVersion: z
      .enum(KUBERNETES_VERSIONS)
      .default(DEFAULTS.cluster.kubernetesVersion)
      .describe('EKS Kubernetes version.'),
    endpointAccess: z
      .enum(['public', 'private', 'public-and-private'])
      .default(DEFAULTS.cluster.endpointAccess)
      .describe('Kubernetes API endpoint exposure. "private" needs the tool to run inside the VPC.'),
    publicAccessCidrs: z
      .array(cidr)
      .min(1)
      .default([...DEFAULTS.cluster.publicAccessCidrs])
      .describe('CIDRs allowed to reach a public endpoint.'),
    adminPrincipalArns: z
      .array(
        z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, {
          message: 'must be an IAM role or user ARN (not an STS assumed-role session ARN)',
        }),
      )
      .default([...DEFAULTS.cluster.adminPrincipalArns])
      .describe('IAM principals granted cluster-admin through EKS access entries.'),
    nodeGroup: nodeGroupSchema,
  })
  .prefault({})
  .describe('The EKS cluster.');

export const registrySchema = z
  .strictObject({
    repositoryName: z
      .string()
      .min(2)
      .max(256)
      .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, { message: 'must be a valid ECR repository name' })
      .optional()
      .describe('ECR repository name. Default: "<name>/airflow".'),
    scanOnPush: z.boolean().default(DEFAULTS.registry.scanOnPush).describe('Scan each pushed image for vulnerabilities.'),
    keepImages: z.int().min(1).max(1000).default(DEFAULTS.registry.keepImages).describe('Images kept by the lifecycle rule.'),
  })
  .prefault({})
  .describe('The ECR repository for the Airflow image.');

/** S3 bucket naming rules (general purpose buckets): 3-63 characters, lowercase letters, digits, dots and hyphens. */
const s3BucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)' });

export const storageSchema = z
  .strictObject({
    logRetentionDays: z
      .int()
      .min(1)
      .max(3653)
      .default(DEFAULTS.storage.logRetentionDays)
      .describe('Days to keep task logs in S3 (and CloudWatch log groups of the cluster and database).'),
    endpointUrl: z
      .string()
      .refine(isHttpUrl, { message: 'must be an http(s) URL, e.g. http://127.0.0.1:9000' })
      .optional()
      .describe(
        'S3-compatible endpoint (MinIO, moto) for task logs instead of AWS S3: it becomes the `endpoint_url` of the remote-logging connection. Default: AWS S3 of `region`.',
      ),
    devBucket: s3BucketName
      .optional()
      .describe(
        'A bucket on storage.endpointUrl for `dev`: when both are set, `dev` ships task logs there with the same remote-logging settings as the cluster, and `logs --dag/--run/--task` reads them from there. Default: `dev` keeps task logs on local disk only.',
      ),
  })
  .prefault({})
  .describe('The S3 bucket for task logs and DAG bundles.');

/** http: or https: with a host; nothing else makes sense as an S3 endpoint. */
function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
export const dagsSchema = z
  .strictObject({
    source: z
      .enum(['image', 's3', 'git'])
      .default(DEFAULTS.dags.source)
      .describe(
        'Where Airflow 3 reads DAGs from: "image" (baked into the image; change = image rebuild), "s3" (a DAG bundle in ' +
          'the deployment bucket, uploaded by `airflow-aws dags deploy`; unversioned: tasks run the latest upload) or ' +
          '"git" (a GitDagBundle; versioned by commit). Airflow 2 supports "image" only.',
      ),
    git: z
      .strictObject({
        repoUrl: z
          .string()
          .regex(/^(https:\/\/|ssh:\/\/|git@)[^\s]+$/, { message: 'must be an https://, ssh:// or git@host:path repository URL' })
          .refine((u) => !/^https:\/\/[^/@]*@/.test(u), { message: 'must not contain credentials; put them in the git connection secret' })
          .describe('Repository URL (no credentials in it).'),
        trackingRef: z.string().min(1).default(DEFAULTS.dags.git.trackingRef).describe('Branch, tag or commit SHA to track.'),
        subdir: z.string().min(1).optional().describe('Folder inside the repository holding the DAGs. Default: the repository root.'),
        connectionId: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be a connection id of letters, digits, "_" and "-"' })
          .default(DEFAULTS.dags.git.connectionId)
          .describe('Airflow git connection with the credentials, read from Secrets Manager ("<connections prefix>/<id>"); never in this file.'),
      })
      .optional()
      .describe('The GitDagBundle (dags.source: git).'),
  })
  .prefault({})
  .describe('Where DAGs come from.');

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), {
    message: 'must be a path relative to the config file, inside the project',
  });

export const imageSchema = z
  .strictObject({
    baseImage: z
      .string()
      .min(1)
      .optional()
      .describe('Runtime base image. Default: "python:<airflow.python>-slim-bookworm".'),
    platform: z.enum(['linux/amd64', 'linux/arm64']).default(DEFAULTS.image.platform).describe('Target platform of the image and lock.'),
    requirements: relativePath.default(DEFAULTS.image.requirements).describe('Your extra Python requirements (optional file).'),
    lockFile: relativePath.default(DEFAULTS.image.lockFile).describe('Hashed lock file written by `airflow-aws image lock`.'),
    dagsDir: relativePath.default(DEFAULTS.image.dagsDir).describe('DAG folder.'),
    pluginsDir: relativePath.default(DEFAULTS.image.pluginsDir).describe('Plugins folder (optional).'),
  })
  .prefault({})
  .describe('The Airflow image.');

export const kubernetesSchema = z
  .strictObject({
    namespace: dns1123Label.default(DEFAULTS.kubernetes.namespace).describe('Namespace of the Airflow components and task pods.'),
    apiServer: component(DEFAULTS.kubernetes.apiServer, 'API server (webserver on Airflow 2)'),
    scheduler: component(DEFAULTS.kubernetes.scheduler, 'scheduler'),
    dagProcessor: component(DEFAULTS.kubernetes.dagProcessor, 'DAG processor'),
    triggerer: component(DEFAULTS.kubernetes.triggerer, 'triggerer'),
    workers: z
      .strictObject({
        cpu: quantity('CPU').default(DEFAULTS.kubernetes.workers.cpu).describe('Default CPU request of a task pod.'),
        memory: quantity('memory').default(DEFAULTS.kubernetes.workers.memory).describe('Default memory request and limit of a task pod.'),
      })
      .prefault({})
      .describe('KubernetesExecutor task pods.'),
  })
  .prefault({})
  .describe('Airflow on Kubernetes.');

/**
 * An ACM certificate ARN. Load balancers take certificates from their own region only (checked in ./rules.ts).
 * @see https://docs.aws.amazon.com/acm/latest/userguide/authen-overview.html
 */
export const ACM_CERTIFICATE_ARN =
  /^arn:aws[a-z-]*:acm:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d:\d{12}:certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A DNS name (RFC 1123 labels, at least two, lowercase). */
const hostname = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    message: 'must be a lowercase DNS name such as airflow.example.com (no scheme, no path, no port)',
  });

export const exposureSchema = z
  .strictObject({
    mode: z
      .enum(['private', 'internal', 'public'])
      .default(DEFAULTS.exposure.mode)
      .describe(
        'How the UI/API is reached. private: only through `airflow-aws open` (no load balancer). internal: a load balancer ' +
          'inside the VPC. public: an internet-facing load balancer. Both load balancers terminate TLS with exposure.certificateArn.',
      ),
    certificateArn: z
      .string()
      .regex(ACM_CERTIFICATE_ARN, { message: 'must be an ACM certificate ARN such as arn:aws:acm:us-east-1:123456789012:certificate/<uuid>' })
      .optional()
      .describe('ACM certificate (same region as the deployment) for the HTTPS listener on port 443. Required for internal and public.'),
    hostname: hostname
      .optional()
      .describe(
        'DNS name users type, covered by the certificate; point it (CNAME or alias) at the load balancer. ' +
          "It becomes Airflow's base URL (https://<hostname>). Required with a certificate.",
      ),
    sourceCidrs: z
      .array(cidr)
      .min(1)
      .max(50)
      .optional()
      .describe('Client CIDRs allowed to reach the load balancer (its security group). Required for internal and public; [0.0.0.0/0] allows everyone.'),
    allowInsecureHttp: z
      .boolean()
      .default(DEFAULTS.exposure.allowInsecureHttp)
      .describe('Allow a load balancer without TLS (plain HTTP on port 80): passwords and session cookies then travel in clear text.'),
  })
  .prefault({})
  .describe('Exposure of the Airflow UI and REST API: private (default), or a load balancer with TLS.');

/** FAB's built-in roles an SSO group can map to. @see https://airflow.apache.org/docs/apache-airflow-providers-fab/stable/auth-manager/access-control.html */
export const FAB_ROLES = ['Admin', 'Op', 'User', 'Viewer'] as const;
const fabRole = z.enum(FAB_ROLES);

/**
 * A Secrets Manager secret ARN (the full ARN, with the 6-character suffix AWS adds, or a partial one without it).
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources
 */
export const SECRETS_MANAGER_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

export const oidcSchema = z
  .strictObject({
    issuer: z
      .string()
      .refine(isIssuerUrl, { message: 'must be the https:// URL of the OpenID provider (http:// only on localhost), without a query or fragment' })
      .describe('Issuer URL of the OpenID provider; its discovery document is <issuer>/.well-known/openid-configuration.'),
    clientId: z.string().min(1).max(255).describe('Client id of the Airflow application registered at the provider.'),
    clientSecret: z
      .string()
      .regex(SECRETS_MANAGER_ARN, { message: 'must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow-oidc-AbCdEf (never the secret itself)' })
      .describe(
        'Secrets Manager ARN holding the client secret (a plain string). The deploy reads it into a Kubernetes Secret that only the UI mounts; it never appears in this file, a manifest, argv or a log.',
      ),
    groupsClaim: z
      .string()
      .regex(/^[A-Za-z0-9_:./-]+$/, { message: 'must be a claim name such as groups or cognito:groups' })
      .default(DEFAULTS.auth.oidc.groupsClaim)
      .describe('Claim (ID token or userinfo) that lists the user\'s groups.'),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, { message: 'must be an OAuth scope (no spaces or quotes)' }))
      .min(1)
      .default([...DEFAULTS.auth.oidc.scopes])
      .refine((s) => s.includes('openid'), { message: 'must include "openid" (OpenID Connect)' })
      .describe('Scopes requested at login; add the one your provider needs to release the groups claim (often "groups").'),
    roleMapping: z
      .record(z.string().min(1).max(256), fabRole)
      .default({})
      .describe('Group -> Airflow role (Admin, Op, User or Viewer). A user in several mapped groups gets every mapped role; roles are synced at each login.'),
    defaultRole: fabRole
      .optional()
      .describe('Role of a user in none of the mapped groups. Default: such a user is refused.'),
  })
  .describe('Single sign-on through an OpenID Connect provider (FAB OAuth login); needs airflow.auth "fab".');

export const authSchema = z
  .strictObject({
    oidc: oidcSchema.optional(),
    createAdminUser: z
      .boolean()
      .optional()
      .describe('Create the database user "admin" with a generated password (kept in the airflow-secrets Secret; `airflow-aws open` shows it). Default: true without SSO, false with auth.oidc.'),
  })
  .prefault({})
  .describe('How people sign in to the UI and REST API. The auth manager itself is airflow.auth (it decides what the image installs).');

/** https, or http on a loopback host (a local provider in development and tests). */
function isIssuerUrl(v: string): boolean {
  // URL parsing drops tabs and newlines silently; an issuer has none.
  if (/\s/.test(v)) return false;
  try {
    const u = new URL(v);
    if (u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') return false;
    if (u.protocol === 'https:') return u.hostname !== '';
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

const tagKey = z
  .string()
  .min(1)
  .max(128)
  .refine((k) => !k.toLowerCase().startsWith('aws:'), { message: 'must not start with "aws:" (reserved by AWS)' });

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Schema pointer for editors; ignored by the tool.'),
    name: dns1123Label.describe('Deployment name: prefixes every AWS and Kubernetes name.'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, { message: 'must be an AWS region such as us-east-1' })
      .describe('AWS region.'),
    airflow: airflowSchema,
    network: networkSchema,
    database: databaseSchema,
    cluster: clusterSchema,
    registry: registrySchema,
    storage: storageSchema,
    image: imageSchema,
    dags: dagsSchema,
    kubernetes: kubernetesSchema,
    exposure: exposureSchema,
    auth: authSchema,
    tags: z
      .record(tagKey, z.string().max(256))
      .default({})
      .describe('Tags added to every AWS resource.'),
  })
  .describe('airflow-aws deployment configuration.');

/** The config as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** The config after schema defaults (before derived defaults). */
export type ParsedConfig = z.output<typeof configSchema>;

/** Keys of every strict object, by dotted path with `*` for array items: feeds "did you mean" hints. */
export function knownKeys(path: readonly (string | number)[]): string[] {
  let node: z.ZodType = configSchema;
  for (const seg of path) {
    node = unwrap(node);
    if (node instanceof z.ZodObject) {
      const next = (node.shape as Record<string, z.ZodType>)[String(seg)];
      if (!next) return [];
      node = next;
    } else if (node instanceof z.ZodArray) {
      node = node.element as z.ZodType;
    } else {
      return [];
    }
  }
  node = unwrap(node);
  return node instanceof z.ZodObject ? Object.keys(node.shape as object) : [];
}

function unwrap(node: z.ZodType): z.ZodType {
  let cur: z.ZodType = node;
  for (let i = 0; i < 10; i++) {
    const def = (cur as unknown as { _zod: { def: { innerType?: z.ZodType; in?: z.ZodType } } })._zod.def;
    if (def.innerType) cur = def.innerType;
    else if (def.in) cur = def.in;
    else break;
  }
  return cur;
}
