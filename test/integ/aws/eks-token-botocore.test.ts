/**
 * Known-answer test of our EKS bearer tokens against botocore, the reference (`aws eks get-token` runs it): with the
 * same credentials, signing time, region and cluster name, botocore's presigned GetCallerIdentity URL must give
 * exactly our token: same signature, same parameters, same order. The pinned botocore lives in its own venv,
 * installed by scripts/testbed/setup.sh.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mintEksToken } from '../../../src/adapters/aws/eks-token.js';
import { REPO_ROOT } from '../../support/cli.js';

const CACHE = process.env['AIRFLOW_AWS_CACHE'] ?? '/var/cache/airflow-aws';
const PYTHON = path.join(CACHE, 'tools', 'botocore', 'bin', 'python');
const SCRIPT = path.join(REPO_ROOT, 'test', 'fixtures', 'aws', 'botocore_eks_token.py');

interface Case {
  readonly name: string;
  readonly region: string;
  readonly clusterName: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly now: string;
}

const CASES: readonly Case[] = [
  {
    name: 'eu-west-1, session credentials',
    region: 'eu-west-1',
    clusterName: 'demo-cluster',
    accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    // Base64 with `+`, `/` and `=` like a real STS session token: they must be percent-encoded the same way.
    sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token+with=padding==',
    now: '2026-11-24T03:00:00Z',
  },
  {
    name: 'us-east-1, long-term keys (no session token)',
    region: 'us-east-1',
    clusterName: 'analytics-prod-7',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
    now: '2027-02-28T23:59:59Z',
  },
  {
    name: 'us-east-1, session credentials, another cluster',
    region: 'us-east-1',
    clusterName: 'demo-cluster',
    accessKeyId: 'ASIAEXAMPLEEXAMPLE02',
    secretAccessKey: 'abcdEFGH/ijkl+MNOP/qrst+UVWX/yz012345678',
    sessionToken: 'FwoGZXIvYXdzEBYaDExample+Token/Value=',
    now: '2026-01-01T00:00:00Z',
  },
  {
    name: 'eu-west-1, long-term keys, another cluster',
    region: 'eu-west-1',
    clusterName: 'analytics-prod-7',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    now: '2026-06-15T12:34:56Z',
  },
];

/** Runs the reference script once for all cases; credentials go through stdin, the environment is scrubbed. */
async function botocoreTokens(cases: readonly Case[]): Promise<{ botocore: string; tokens: string[] }> {
  if (!existsSync(PYTHON)) {
    assert.fail(`botocore's venv is missing (${PYTHON}): run scripts/testbed/setup.sh`);
  }
  // No AWS_* variables or config files: a profile, an endpoint override or AWS_STS_REGIONAL_ENDPOINTS from the
  // machine would change the reference URL.
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', PYTHONDONTWRITEBYTECODE: '1' };
  const child = spawn(PYTHON, [SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(JSON.stringify(cases));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  assert.equal(code, 0, `the botocore reference script failed:\n${stderr}`);
  return JSON.parse(stdout) as { botocore: string; tokens: string[] };
}

function decode(token: string): string {
  return Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8');
}

describe('EKS token known answers from botocore', () => {
  // One Python run for the whole table; each case awaits it, so a missing venv fails every case with its message.
  let pending: ReturnType<typeof botocoreTokens> | undefined;

  for (const [i, c] of CASES.entries()) {
    it(`mints exactly botocore's token (URL, parameter order, signature): ${c.name}`, async () => {
      const ours = await mintEksToken({
        clusterName: c.clusterName,
        region: c.region,
        credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) },
        now: new Date(c.now),
      });
      pending ??= botocoreTokens(CASES);
      const reference = await pending;
      const theirs = reference.tokens[i];
      assert.ok(theirs, `botocore gave ${reference.tokens.length} tokens for ${CASES.length} cases`);
      // URLs first: a mismatch then reads as a URL diff, not as two opaque base64 strings.
      assert.equal(decode(ours.token), decode(theirs), `botocore ${reference.botocore}`);
      assert.equal(ours.token, theirs, `botocore ${reference.botocore}`);
    });
  }
});
