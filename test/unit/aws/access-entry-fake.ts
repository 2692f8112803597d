/**
 * A recording, in-memory EKS access-entry API with EKS's semantics (moto 5.2 has no access-entry API, it answers
 * 404): one entry per principal, CreateAccessEntry on an existing entry throws ResourceInUseException, an unknown
 * cluster throws ResourceNotFoundException, lists paginate with `pageSize`.
 */
import { ResourceInUseException, ResourceNotFoundException } from '@aws-sdk/client-eks';
import type { AccessEntryApi, Page } from '../../../src/adapters/aws/access-entry.js';
import type { AssociatedPolicy } from '../../../src/infra/principal.js';

export interface FakeAccessEntries extends AccessEntryApi {
  /** Mutating calls, in order: `create <arn>`, `associate <arn> <policy>`. */
  readonly writes: string[];
  /** principal -> policies. */
  readonly entries: Map<string, AssociatedPolicy[]>;
}

function page<T>(all: readonly T[], pageSize: number, token?: string): Page<T> {
  const start = token ? Number(token) : 0;
  const end = start + pageSize;
  return { items: all.slice(start, end), ...(end < all.length ? { nextToken: String(end) } : {}) };
}

export function fakeAccessEntries(opts: { cluster: string; pageSize?: number; existing?: Record<string, AssociatedPolicy[]> }): FakeAccessEntries {
  const pageSize = opts.pageSize ?? 100;
  const entries = new Map(Object.entries(opts.existing ?? {}).map(([k, v]) => [k, [...v]]));
  const writes: string[] = [];
  const mustExist = (clusterName: string) => {
    if (clusterName !== opts.cluster) throw new ResourceNotFoundException({ message: `No cluster found for name: ${clusterName}.`, $metadata: {} });
  };
  return {
    writes,
    entries,
    async listAccessEntries(clusterName, nextToken) {
      mustExist(clusterName);
      return page([...entries.keys()], pageSize, nextToken);
    },
    async listAssociatedPolicies(clusterName, principalArn, nextToken) {
      mustExist(clusterName);
      const p = entries.get(principalArn);
      if (!p) throw new ResourceNotFoundException({ message: 'The specified principalArn could not be found.', $metadata: {} });
      return page(p, pageSize, nextToken);
    },
    async createAccessEntry(clusterName, principalArn) {
      mustExist(clusterName);
      if (entries.has(principalArn)) {
        throw new ResourceInUseException({ message: 'The specified access entry resource is already in use on this cluster.', $metadata: {} });
      }
      writes.push(`create ${principalArn}`);
      entries.set(principalArn, []);
    },
    async associateAccessPolicy(clusterName, principalArn, policyArn) {
      mustExist(clusterName);
      const p = entries.get(principalArn);
      if (!p) throw new ResourceNotFoundException({ message: 'The specified principalArn could not be found.', $metadata: {} });
      writes.push(`associate ${principalArn} ${policyArn}`);
      // Re-association replaces the scope (EKS API semantics).
      const rest = p.filter((x) => x.policyArn !== policyArn);
      entries.set(principalArn, [...rest, { policyArn, scope: 'cluster' }]);
    },
  };
}
