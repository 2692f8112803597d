/**
 * Locates the pinned validators (cfn-lint, checkov) installed by scripts/testbed/validators.sh, or the ones named by
 * AIRFLOW_AWS_CFN_LINT / AIRFLOW_AWS_CHECKOV, and writes synthesized templates for them to read.
 * A missing validator is a test failure with the command that installs it — never a silent skip.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../../../src/config/resolved.js';
import { synthesizeTemplates } from '../../../src/infra/synthesize.js';
import { testConfig } from '../../unit/infra/config-fixture.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const SCRIPT = path.join(REPO, 'scripts', 'testbed', 'validators.sh');

export type Validator = 'cfn-lint' | 'checkov';
const ENV: Record<Validator, string> = { 'cfn-lint': 'AIRFLOW_AWS_CFN_LINT', checkov: 'AIRFLOW_AWS_CHECKOV' };

export function validatorPath(tool: Validator): string {
  const fromEnv = process.env[ENV[tool]];
  if (fromEnv) {
    assertExecutable(fromEnv, `${ENV[tool]}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  let out = '';
  try {
    out = execFileSync('bash', [SCRIPT, 'path'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? '');
  }
  const line = out.split('\n').find((l) => l.startsWith(`${tool}=`));
  if (!line) {
    throw new Error(
      `${tool} is not installed. Install the pinned validators with: scripts/testbed/validators.sh install ` +
        `(needs python3 with venv and PyPI access), or point ${ENV[tool]} at a ${tool} binary.`,
    );
  }
  const bin = line.slice(tool.length + 1);
  assertExecutable(bin, `${bin} (from ${SCRIPT} path) is not executable; rerun scripts/testbed/validators.sh install`);
  return bin;
}

function assertExecutable(file: string, message: string): void {
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new Error(message);
  }
}

/** Configs whose templates differ in shape; every validator runs on each. */
export const VARIANTS: readonly { readonly name: string; readonly config: ResolvedConfig }[] = [
  { name: 'defaults', config: testConfig() },
  {
    name: 'existing-vpc',
    config: testConfig(`network:
  existingVpc:
    vpcId: vpc-0abc12345def67890
    availabilityZones: [eu-west-1a, eu-west-1b]
    privateSubnetIds: [subnet-0abc12345def67890, subnet-0abc12345def67891]
`),
  },
  {
    name: 'arm-local-multiaz-private',
    config: testConfig(`airflow: {executor: LocalExecutor}
cluster:
  endpointAccess: private
  adminPrincipalArns: ["arn:aws:iam::123456789012:role/platform-admin"]
  nodeGroup: {instanceTypes: [m7g.large]}
image: {platform: linux/arm64}
database: {multiAz: true}
network: {vpc: {maxAzs: 3, natGateways: 3}}
`),
  },
  {
    // What existing deployments run: the previous defaults (Kubernetes 1.35; PostgreSQL 17.6, still the derived
    // default of Airflow 2) must stay clean, not only the current ones (1.36, 18.3 in "defaults").
    name: 'airflow2-previous-versions',
    config: testConfig(`airflow: {version: 2.11.0}
cluster: {kubernetesVersion: "1.35"}
`),
  },
];

/** Writes each variant's template to `<dir>/<variant>/<stack>.template.json`; returns the directory and files. */
export function writeVariantTemplates(): { dir: string; files: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'airflow-aws-validators-'));
  const files: string[] = [];
  for (const v of VARIANTS) {
    for (const t of synthesizeTemplates(v.config)) {
      const sub = path.join(dir, v.name);
      mkdirSync(sub, { recursive: true });
      const file = path.join(sub, `${t.stackName}.template.json`);
      writeFileSync(file, `${JSON.stringify(t.template, null, 1)}\n`);
      files.push(file);
    }
  }
  return { dir, files };
}
