/** The three cost profiles of the tests and the bench, built through the real config pipeline. */
import { parseConfig } from '../../../src/config/load.js';
import type { ResolvedConfig } from '../../../src/config/resolved.js';

/** A fixed "today" so the EKS support window does not drift under the tests. */
export const NOW = new Date('2026-12-03T12:00:00Z');

export function inRegion(region: string, extra = ''): ResolvedConfig {
  return parseConfig(`name: demo\nregion: ${region}\n${extra}`, 'airflow-aws.yaml', '/tmp/project');
}

/** One small node, the fewest NAT gateways the schema allows (1), the smallest priced database. */
export const DEV_YAML = `cluster:
  nodeGroup:
    instanceTypes: [t3.large]
    minSize: 1
    desiredSize: 1
    maxSize: 2
    diskGiB: 20
database:
  instanceClass: db.t4g.micro
  storageGiB: 20
kubernetes:
  apiServer:
    replicas: 1
`;

export const LARGE_YAML = `network:
  vpc:
    maxAzs: 2
    natGateways: 2
cluster:
  nodeGroup:
    instanceTypes: [m6i.xlarge]
    minSize: 3
    desiredSize: 3
    maxSize: 6
database:
  instanceClass: db.m6g.large
  storageGiB: 100
  maxStorageGiB: 500
  multiAz: true
  backupRetentionDays: 14
storage:
  logRetentionDays: 90
kubernetes:
  scheduler:
    replicas: 2
`;

export const DEV = inRegion('us-east-1', DEV_YAML);
export const LARGE = inRegion('us-east-1', LARGE_YAML);
