/**
 * The starter airflow-aws.yaml written by `init`: built as a YAML document (not a text template) whose comments
 * come from the schema descriptions, so the file documents exactly what the validator accepts.
 */
import { Document, isMap, isScalar, type YAMLMap } from 'yaml';
import { DEFAULTS } from './defaults.js';
import { configJsonSchema } from './json-schema.js';

export const SCHEMA_FILE = '.airflow-aws/airflow-aws.schema.json';

interface JsonSchemaNode {
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
}

export interface StarterOptions {
  /** Python minor of the image and local virtualenv. @default DEFAULTS.airflow.python */
  readonly python?: string;
}

export function starterConfig(name: string, region: string, options: StarterOptions = {}): string {
  const value = {
    name,
    region,
    airflow: { ...DEFAULTS.airflow, python: options.python ?? DEFAULTS.airflow.python },
    network: { vpc: { ...DEFAULTS.network.vpc } },
    database: { ...DEFAULTS.database, databaseName: undefined },
    cluster: {
      kubernetesVersion: DEFAULTS.cluster.kubernetesVersion,
      endpointAccess: DEFAULTS.cluster.endpointAccess,
      publicAccessCidrs: [...DEFAULTS.cluster.publicAccessCidrs],
      adminPrincipalArns: [],
      nodeGroup: { ...DEFAULTS.cluster.nodeGroup, instanceTypes: [...DEFAULTS.cluster.nodeGroup.instanceTypes] },
    },
    registry: { ...DEFAULTS.registry },
    storage: { ...DEFAULTS.storage },
    exposure: { mode: DEFAULTS.exposure.mode },
    dags: { source: DEFAULTS.dags.source },
    tags: { project: name },
  };
  const doc = new Document(JSON.parse(JSON.stringify(value)));
  doc.commentBefore =
    ` yaml-language-server: $schema=${SCHEMA_FILE}\n` +
    ' airflow-aws configuration. Every key is optional except name and region; removed keys take their default.\n' +
    ' Check it with `airflow-aws validate`; see what it creates with `airflow-aws plan`.';
  annotate(doc.contents as YAMLMap, configJsonSchema() as JsonSchemaNode);
  const network = (doc.contents as YAMLMap).get('network', true);
  if (isMap(network)) {
    network.comment =
      ' Or use an existing VPC instead of network.vpc:\n' +
      ' existingVpc:\n' +
      '   vpcId: vpc-0123456789abcdef0\n' +
      `   availabilityZones: [${region}a, ${region}b]\n` +
      '   privateSubnetIds: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]';
  }
  const exposure = (doc.contents as YAMLMap).get('exposure', true);
  if (isMap(exposure)) {
    exposure.comment =
      ' Or a load balancer with TLS (see docs/exposure.md):\n' +
      ' mode: public                # or internal (inside the VPC only)\n' +
      ` certificateArn: arn:aws:acm:${region}:123456789012:certificate/00000000-0000-0000-0000-000000000000\n` +
      ' hostname: airflow.example.com\n' +
      ' sourceCidrs: [203.0.113.0/24]';
  }
  return doc.toString({ lineWidth: 120 });
}

function annotate(map: YAMLMap, schema: JsonSchemaNode): void {
  for (const pair of map.items) {
    if (!isScalar(pair.key)) continue;
    const prop = schema.properties?.[String(pair.key.value)];
    if (!prop) continue;
    if (prop.description) pair.key.commentBefore = ` ${prop.description}`;
    if (isMap(pair.value)) annotate(pair.value, resolveRef(prop));
  }
}

/** zod emits nested objects inline, but optional objects may be wrapped in anyOf. */
function resolveRef(node: JsonSchemaNode & { anyOf?: JsonSchemaNode[] }): JsonSchemaNode {
  if (node.properties) return node;
  return node.anyOf?.find((n) => n.properties) ?? node;
}
