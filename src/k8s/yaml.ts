/**
 * YAML rendering of typed objects (the `yaml` library's stringify — never text templates). The client library's
 * model types rename a few JSON fields that clash with JavaScript (NetworkPolicy `from` is `_from`); `toManifest`
 * maps them back to the wire names. Output is YAML 1.1, the dialect of kubectl (go-yaml) and of PyYAML (Airflow
 * reads the pod template with it): strings such as "on", "y" or "True" stay quoted strings.
 */
import { stringify } from 'yaml';

/** Model field names that differ from the Kubernetes JSON names, as used by @kubernetes/client-node's models. */
const RENAMED: Readonly<Record<string, string>> = { _from: 'from' };

/** The object as Kubernetes JSON: renamed fields mapped back, `undefined` dropped. */
export function toManifest<T>(value: T): unknown {
  if (Array.isArray(value)) return value.map((v) => toManifest(v));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    out[RENAMED[k] ?? k] = toManifest(v);
  }
  return out;
}

/** Multi-document YAML. */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(toManifest(o), { lineWidth: 0, sortMapEntries: false, version: '1.1' })).join('---\n');
}
