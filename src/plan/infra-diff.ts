/**
 * What `up` would do to a deployed stack, resource by resource. Pure: the template comparison is
 * @aws-cdk/cloudformation-diff's (the engine behind `cdk diff`, with the CloudFormation resource spec that knows
 * which property changes replace a resource); this module only turns its TemplateDiff into our plain data and says
 * which changes destroy data, so `plan` can show them and `up` can ask twice before running them.
 */
import type * as CfnDiff from '@aws-cdk/cloudformation-diff';
import type { ResourceDifference } from '@aws-cdk/cloudformation-diff';
import type { DescribeChangeSetOutput } from '@aws-sdk/client-cloudformation';
import { createRequire } from 'node:module';
import type { CfnTemplate } from '../infra/synthesize.js';

// The diff engine and its resource spec take about a third of a second of CPU to load; a rerun whose template is
// unchanged never needs them, so they are required on the first real comparison only (the package is CommonJS).
let engine: typeof CfnDiff | undefined;
const diffEngine = (): typeof CfnDiff => (engine ??= createRequire(import.meta.url)('@aws-cdk/cloudformation-diff') as typeof CfnDiff);

export type ChangeAction = 'add' | 'remove' | 'modify' | 'replace' | 'may-replace';

export interface ResourceChange {
  readonly logicalId: string;
  /** The type after the change (before it, for a removal). */
  readonly type: string;
  readonly action: ChangeAction;
  /** Top-level properties and resource attributes (DeletionPolicy, DependsOn, …) that differ, sorted. */
  readonly properties: readonly string[];
  /** The subset of `properties` that forces (replace) or may force (may-replace) a new physical resource. */
  readonly replacementCauses: readonly string[];
  /** The resource holds data or an identity that a new physical resource would not have (see STATEFUL_TYPES). */
  readonly stateful: boolean;
  /** A stateful resource is replaced, may be replaced, or removed: `up` asks a second confirmation. */
  readonly dangerous: boolean;
}

export interface StackDiff {
  readonly stackName: string;
  /** new: nothing deployed yet (every resource is an `add`); unchanged: no change at all. */
  readonly status: 'new' | 'changed' | 'unchanged';
  /** Dangerous changes first, then by action (remove, replace, may-replace, modify, add) and logical id. */
  readonly changes: readonly ResourceChange[];
  /** Resources deployed and left as they are. */
  readonly unchanged: number;
}

/**
 * Resource types whose replacement or removal loses something a new resource does not bring back, with what is
 * lost. A DB subnet group, a security group or a node group is rebuilt identically, so they are not listed; a
 * replacement of one of those that cascades to the database (a new subnet group moves the instance) shows up as a
 * replacement of the database itself, because cloudformation-diff propagates replacements through references.
 */
export const STATEFUL_TYPES: Readonly<Record<string, { readonly what: string; readonly loss: string }>> = {
  'AWS::RDS::DBInstance': { what: 'the database', loss: 'data loss unless restored from a snapshot' },
  'AWS::RDS::DBCluster': { what: 'the database cluster', loss: 'data loss unless restored from a snapshot' },
  'AWS::S3::Bucket': { what: 'the bucket', loss: 'its objects (task logs, DAGs) are not copied to the new bucket' },
  'AWS::ECR::Repository': { what: 'the image repository', loss: 'its images are not copied; push the image again' },
  'AWS::EKS::Cluster': { what: 'the Kubernetes cluster', loss: 'every workload on it is gone and the API endpoint changes' },
  'AWS::KMS::Key': { what: 'an encryption key', loss: 'whatever the old key encrypted is unreadable once the key is deleted' },
  'AWS::SecretsManager::Secret': { what: 'a secret', loss: 'its value (e.g. the database password) is generated anew' },
  'AWS::Logs::LogGroup': { what: 'a log group', loss: 'its log history is lost' },
};

/**
 * Resource attributes that never touch the physical resource. CDK writes construct paths and checker
 * suppressions into Metadata; editing a suppression comment must not show up as a change.
 */
const IGNORED_ATTRIBUTES = new Set(['Metadata']);

/**
 * Compares the synthesized template with the deployed one.
 *
 * @param deployed the template CloudFormation has (GetTemplate, stage Original); undefined when the stack does not exist.
 * @param changeSet a described change set for the same update, when there is one: AWS then decides which changes
 *   replace a resource (it knows, for example, that a conditional replacement will not happen), instead of the
 *   resource spec's static answer.
 */
export function diffStack(
  stackName: string,
  desired: CfnTemplate,
  deployed: CfnTemplate | undefined,
  changeSet?: DescribeChangeSetOutput,
): StackDiff {
  // Byte-equal templates have no difference at all; that is the no-op rerun, and it needs no diff engine.
  if (deployed !== undefined && JSON.stringify(deployed) === JSON.stringify(desired)) {
    return { stackName, status: 'unchanged', changes: [], unchanged: Object.keys(desired.Resources ?? {}).length };
  }
  const diff = diffEngine().fullDiff(deployed ?? {}, desired, changeSet);
  const changes: ResourceChange[] = [];
  diff.resources.forEachDifference((logicalId, d) => {
    const c = resourceChange(logicalId, d);
    if (c) changes.push(c);
  });
  changes.sort(
    (a, b) =>
      Number(b.dangerous) - Number(a.dangerous) || ORDER[a.action] - ORDER[b.action] || a.logicalId.localeCompare(b.logicalId),
  );
  const changed = new Set(changes.map((c) => c.logicalId));
  const kept = Object.keys(deployed?.Resources ?? {}).filter((id) => id in (desired.Resources ?? {}));
  const unchanged = kept.filter((id) => !changed.has(id)).length;
  const status = deployed === undefined ? 'new' : changes.length ? 'changed' : 'unchanged';
  return { stackName, status, changes, unchanged };
}

/** The changes `up` must confirm a second time: each one destroys data or an identity. */
export function dangerousChanges(diff: StackDiff): readonly ResourceChange[] {
  return diff.changes.filter((c) => c.dangerous);
}

const ORDER: Record<ChangeAction, number> = { remove: 0, replace: 1, 'may-replace': 2, modify: 3, add: 4 };

function resourceChange(logicalId: string, d: ResourceDifference): ResourceChange | undefined {
  const oldType = d.oldResourceType;
  const newType = d.newResourceType;
  const type = newType ?? oldType ?? 'unknown';
  const stateful = [oldType, newType].some((t) => t !== undefined && t in STATEFUL_TYPES);
  const make = (action: ChangeAction, properties: readonly string[], replacementCauses: readonly string[]): ResourceChange => ({
    logicalId,
    type,
    action,
    properties,
    replacementCauses,
    stateful,
    dangerous: stateful && action !== 'add' && action !== 'modify',
  });

  if (d.isAddition) return make('add', [], []);
  if (d.isRemoval) return make('remove', [], []);
  // CloudFormation cannot change a type in place: the old resource goes and a new one comes.
  if (d.resourceTypeChanged) return make('replace', ['Type'], ['Type']);

  const properties = [
    ...Object.keys(d.propertyUpdates),
    ...Object.keys(d.otherChanges).filter((k) => !IGNORED_ATTRIBUTES.has(k)),
  ].sort();
  const impactOf = (p: string) => d.propertyUpdates[p]?.changeImpact;
  const replacing = properties.filter((p) => impactOf(p) === diffEngine().ResourceImpact.WILL_REPLACE);
  if (replacing.length) return make('replace', properties, replacing);
  const maybe = properties.filter((p) => impactOf(p) === diffEngine().ResourceImpact.MAY_REPLACE);
  if (maybe.length) return make('may-replace', properties, maybe);
  return properties.length ? make('modify', properties, []) : undefined;
}

const SIGN: Record<ChangeAction, string> = { add: '+', remove: '-', modify: '~', replace: '!! replace', 'may-replace': '!! may replace' };
const VERB: Record<ChangeAction, string> = { add: 'adds', remove: 'removes', modify: 'updates', replace: 'replaces', 'may-replace': 'may replace' };

/** The diff as text: one line per change, each dangerous one followed by what it destroys. */
export function formatStackDiff(diff: StackDiff): string {
  if (diff.status === 'new') {
    return `Stack ${diff.stackName}: not deployed yet — all ${diff.changes.length} resources above will be created`;
  }
  if (diff.status === 'unchanged') return `Stack ${diff.stackName}: no changes (${diff.unchanged} resources up to date)`;
  const danger = dangerousChanges(diff).length;
  const lines = [
    `Stack ${diff.stackName}: ${diff.changes.length} change(s), ${diff.unchanged} unchanged${danger ? `, ${danger} DANGEROUS` : ''}`,
  ];
  for (const c of diff.changes) {
    const props = c.properties.map((p) => (c.replacementCauses.includes(p) ? `${p} (${VERB[c.action]})` : p));
    lines.push(`  ${SIGN[c.action]} ${c.logicalId} (${c.type})${props.length ? `: ${props.join(', ')}` : ''}`);
    if (c.dangerous) {
      // Only a type change can make a resource dangerous without its new type being listed (the old one was).
      const { what, loss } = STATEFUL_TYPES[c.type] ?? { what: 'a stateful resource', loss: 'what it holds is not carried over' };
      lines.push(`      DANGER: ${VERB[c.action]} ${what} ${c.logicalId} (${c.type}) — ${loss}`);
    }
  }
  return lines.join('\n');
}
