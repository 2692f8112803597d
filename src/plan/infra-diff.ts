/**
 * Resource-level diff between the synthesized template and the one CloudFormation has deployed. Pure; the plan
 * shows it before anything changes. Property changes are reported by top-level property name, which is what a
 * reviewer needs to spot a replacement-prone edit (e.g. a DB's EngineVersion or a cluster's Name).
 */
import type { CfnTemplate } from '../infra/synthesize.js';

export type ChangeKind = 'add' | 'remove' | 'modify';

export interface ResourceChange {
  readonly kind: ChangeKind;
  readonly logicalId: string;
  readonly type: string;
  /** For modify: the top-level properties (or attributes like DeletionPolicy) that differ. */
  readonly changed?: readonly string[];
}

export interface InfraDiff {
  readonly changes: readonly ResourceChange[];
  readonly unchanged: number;
}

/** Keys CDK rewrites on every synth or that CloudFormation does not keep: never a real change. */
const IGNORED_ATTRIBUTES = new Set(['Metadata']);

export function diffTemplates(desired: CfnTemplate, deployed: CfnTemplate | undefined): InfraDiff {
  const want = desired.Resources ?? {};
  const have = deployed?.Resources ?? {};
  const changes: ResourceChange[] = [];
  let unchanged = 0;
  for (const [id, r] of Object.entries(want)) {
    const old = have[id];
    if (!old) {
      changes.push({ kind: 'add', logicalId: id, type: r.Type });
      continue;
    }
    if (old.Type !== r.Type) {
      changes.push({ kind: 'remove', logicalId: id, type: old.Type }, { kind: 'add', logicalId: id, type: r.Type });
      continue;
    }
    const changed = changedKeys(r as unknown as Record<string, unknown>, old as unknown as Record<string, unknown>);
    if (changed.length) changes.push({ kind: 'modify', logicalId: id, type: r.Type, changed });
    else unchanged++;
  }
  for (const [id, r] of Object.entries(have)) {
    if (!(id in want)) changes.push({ kind: 'remove', logicalId: id, type: r.Type });
  }
  const order: Record<ChangeKind, number> = { remove: 0, modify: 1, add: 2 };
  changes.sort((a, b) => order[a.kind] - order[b.kind] || a.logicalId.localeCompare(b.logicalId));
  return { changes, unchanged };
}

function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const out: string[] = [];
  const props = (x: Record<string, unknown>) => (x['Properties'] ?? {}) as Record<string, unknown>;
  for (const k of new Set([...Object.keys(props(a)), ...Object.keys(props(b))])) {
    if (!deepEqual(props(a)[k], props(b)[k])) out.push(k);
  }
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === 'Properties' || k === 'Type' || IGNORED_ATTRIBUTES.has(k)) continue;
    if (!deepEqual(a[k], b[k])) out.push(k);
  }
  return out.sort();
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    // CloudFormation returns numbers and booleans as they were sent, but users hand-edit templates: "5" == 5.
    return (typeof a === 'number' || typeof a === 'boolean') && String(a) === String(b)
      ? true
      : (typeof b === 'number' || typeof b === 'boolean') && String(a) === String(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function formatInfraDiff(stackName: string, diff: InfraDiff | 'new'): string {
  if (diff === 'new') return `Stack ${stackName}: not deployed yet — everything above will be created`;
  if (diff.changes.length === 0) return `Stack ${stackName}: no changes (${diff.unchanged} resources up to date)`;
  const sign: Record<ChangeKind, string> = { add: '+', remove: '-', modify: '~' };
  const lines = [`Stack ${stackName}: ${diff.changes.length} change(s), ${diff.unchanged} unchanged`];
  for (const c of diff.changes) {
    lines.push(`  ${sign[c.kind]} ${c.logicalId} (${c.type})${c.changed ? `: ${c.changed.join(', ')}` : ''}`);
  }
  return lines.join('\n');
}
