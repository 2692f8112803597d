/**
 * What is left after `down` and still costs money, with the exact command that removes each (pure: the caller finds
 * the resources). Nothing is silently billed: the final database snapshot, the retained bucket and registry and the
 * KMS keys each get a line and a command.
 */
import type { FailedResource } from '../../adapters/aws/stack-state.js';
import type { Retained } from '../../adapters/aws/teardown.js';

export interface Leftover {
  readonly kind: 'stack' | 'snapshot' | 'bucket' | 'repository' | 'kms-key';
  readonly id: string;
  /** Why it is still there and what it costs. */
  readonly note: string;
  /** The command that removes it; absent when nothing needs doing (e.g. a key already pending deletion). */
  readonly command?: string;
}

export interface LeftoverInput {
  readonly retained: Retained;
  /** A stack that is still there (a failed or interrupted deletion). */
  readonly stack?: { readonly name: string; readonly status: string; readonly failed: readonly FailedResource[] };
}

export function leftovers(input: LeftoverInput): Leftover[] {
  const r = input.retained;
  const region = ` --region ${r.region}`;
  const out: Leftover[] = [];
  if (input.stack) {
    const reasons = input.stack.failed.map((f) => `${f.logicalId} (${f.type}): ${f.reason}`);
    out.push({
      kind: 'stack',
      id: input.stack.name,
      note: `still exists (${input.stack.status})${reasons.length ? `; ${reasons.join('; ')}` : ''}: everything in it is still billed`,
      command: 'airflow-aws down',
    });
  }
  for (const s of r.snapshots) {
    out.push({
      kind: 'snapshot',
      id: s.snapshotId,
      note: `RDS snapshot of ${s.instanceId}${s.allocatedStorageGiB ? ` (${s.allocatedStorageGiB} GiB)` : ''}: billed as backup storage until deleted; it is your database, restore it with aws rds restore-db-instance-from-db-snapshot`,
      command: `aws rds delete-db-snapshot --db-snapshot-identifier ${s.snapshotId}${region}`,
    });
  }
  if (r.bucket) {
    out.push({ kind: 'bucket', id: r.bucket, note: 'S3 bucket with the task logs and DAG bundles (retained by the stack): billed per GB stored', command: 'airflow-aws down --delete-data' });
  }
  if (r.repository) {
    out.push({
      kind: 'repository',
      id: r.repository.name,
      note: `ECR repository with ${r.repository.images} image(s) (retained by the stack): billed per GB stored`,
      command: 'airflow-aws down --delete-data',
    });
  }
  // The database key decrypts the final snapshot: deleting it first would make the snapshot unrestorable.
  const snapshotFirst = r.snapshots.length > 0 ? ' (after deleting the snapshots: the database key decrypts them)' : '';
  for (const k of r.keys) {
    if (k.state === 'PendingDeletion') {
      out.push({ kind: 'kms-key', id: k.id, note: `KMS key "${k.description}" is pending deletion${k.deletionDate ? ` (deleted on ${k.deletionDate.toISOString().slice(0, 10)})` : ''}` });
      continue;
    }
    out.push({
      kind: 'kms-key',
      id: k.id,
      note: `KMS key "${k.description}" (${k.state}, retained by the stack): USD 1 per month${snapshotFirst}`,
      command: `aws kms schedule-key-deletion --key-id ${k.id} --pending-window-in-days 30${region}`,
    });
  }
  return out;
}

/** Human lines for stderr/stdout: one per leftover, its command indented below. */
export function formatLeftovers(items: readonly Leftover[]): string[] {
  if (items.length === 0) return ['nothing of this deployment is left that costs money'];
  const lines = ['still there (and billed) after down:'];
  for (const i of items) {
    lines.push(`  ${i.kind} ${i.id}: ${i.note}`);
    if (i.command) lines.push(`      remove: ${i.command}`);
  }
  return lines;
}
