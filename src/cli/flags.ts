/**
 * Parsers for every numeric flag, plugged into commander (`.option(flags, help, parser, default)`), so a value like
 * `--tail abc` is refused at parse time, the same way for every command, with exit 2. Commands receive numbers.
 */
import { InvalidArgumentError } from 'commander';

function integer(v: string): number | undefined {
  return /^\s*\d+\s*$/.test(v) ? Number(v) : undefined;
}

/** A TCP port, 1–65535. */
export function portFlag(v: string): number {
  const n = integer(v);
  if (n === undefined || n < 1 || n > 65535) throw new InvalidArgumentError('must be a TCP port (1-65535).');
  return n;
}

/** A whole number of seconds, at least 1. */
export function secondsFlag(v: string): number {
  const n = integer(v);
  if (n === undefined || n < 1) throw new InvalidArgumentError('must be a whole number of seconds, at least 1.');
  return n;
}

/** A count that may be 0 (e.g. lines of history). */
export function countFlag(v: string): number {
  const n = integer(v);
  if (n === undefined) throw new InvalidArgumentError('must be a whole number, 0 or more.');
  return n;
}

/** A duration such as `90s`, `10m`, `2h` or `1d` (a bare number is seconds), returned in seconds, at least 1. */
export function durationFlag(v: string): number {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(v);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 } as const;
  const n = m ? Number(m[1]) * unit[(m[2] ?? '') as keyof typeof unit] : 0;
  if (n < 1) throw new InvalidArgumentError('must be a duration like 30s, 10m, 2h or 1d.');
  return n;
}

/** An http(s) endpoint URL, or the word `aws` (AWS's own endpoint). */
export function endpointFlag(v: string): string {
  if (v === 'aws') return v;
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    u = undefined;
  }
  if (!u || !/^https?:$/.test(u.protocol) || u.username || u.password) {
    throw new InvalidArgumentError('must be an http(s) URL such as http://127.0.0.1:4566 (no credentials in it), or "aws".');
  }
  return v;
}

/**
 * The cluster-target flags, worded once for every command that talks to the cluster (see
 * commands/cluster-target.ts): an existing cluster's kubeconfig context, or by default the stack's EKS cluster.
 */
export const KUBE_CONTEXT_OPTION = ['--kube-context <ctx>', 'kubeconfig context of an existing cluster (default: the EKS cluster of the stack, token minted in-process)'] as const;
export const KUBECONFIG_OPTION = ['--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)'] as const;
