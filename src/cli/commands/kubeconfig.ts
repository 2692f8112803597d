import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { STACK_OUTPUTS } from '../../config/naming.js';
import { UserError } from '../../errors/user-error.js';
import type { CommandContext } from '../context.js';
import type { KubeconfigFlags } from '../specs/kube.js';
import { readStackOutputs } from './cluster-target.js';

interface Named {
  name: string;
  [k: string]: unknown;
}

interface KubeconfigDoc {
  apiVersion?: string;
  kind?: string;
  clusters?: Named[];
  users?: Named[];
  contexts?: Named[];
  'current-context'?: string;
  [k: string]: unknown;
}

/** This package's launcher (dist/src/cli/commands/ -> bin/), the script `airflow-aws` names when installed. */
const LAUNCHER = fileURLToPath(new URL('../../../../bin/airflow-aws.js', import.meta.url));

/**
 * How kubectl starts `airflow-aws eks-token`: the Node binary running this command and this package's launcher, both
 * by absolute path. After `npm ci` or through npx, `airflow-aws` is not on PATH; kubectl runs exec plugins with its
 * own PATH (often smaller in IDEs and GUIs), and the launcher's `#!/usr/bin/env node` would still need node on it.
 * The cost: the context names this install and this Node, so rerun `airflow-aws kubeconfig` after moving either.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
 */
export function eksExecPlugin(): { readonly command: string; readonly args: readonly string[] } {
  return { command: process.execPath, args: [LAUNCHER] };
}

/**
 * Pure: merge one cluster/user/context triple into a kubeconfig document, replacing entries of the same name.
 * The user is an exec credential plugin: kubectl runs `<command> <commandArgs...> eks-token ...` for every token
 * it needs (see eksExecPlugin).
 */
export function mergeEksContext(
  doc: KubeconfigDoc,
  e: {
    alias: string;
    endpoint: string;
    caData: string;
    clusterName: string;
    region: string;
    setCurrent: boolean;
    command: string;
    /** Arguments before `eks-token`, e.g. the launcher script when `command` is node. @default [] */
    commandArgs?: readonly string[];
  },
): KubeconfigDoc {
  const put = (list: Named[] | undefined, item: Named): Named[] => [...(list ?? []).filter((x) => x.name !== item.name), item];
  return {
    ...doc,
    apiVersion: 'v1',
    kind: 'Config',
    clusters: put(doc.clusters, { name: e.alias, cluster: { server: e.endpoint, 'certificate-authority-data': e.caData } }),
    users: put(doc.users, {
      name: e.alias,
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command: e.command,
          args: [...(e.commandArgs ?? []), 'eks-token', '--cluster-name', e.clusterName, '--region', e.region],
          interactiveMode: 'Never',
          provideClusterInfo: false,
        },
      },
    }),
    contexts: put(doc.contexts, { name: e.alias, context: { cluster: e.alias, user: e.alias } }),
    ...(e.setCurrent || !doc['current-context'] ? { 'current-context': e.alias } : {}),
  };
}

function defaultKubeconfigPath(): string {
  const env = process.env['KUBECONFIG'];
  if (env) return env.split(path.delimiter)[0]!;
  return path.join(os.homedir(), '.kube', 'config');
}

export async function kubeconfigCommand(ctx: CommandContext, o: KubeconfigFlags): Promise<number> {
  const config = await ctx.config();
  const outputs = await readStackOutputs(config, 'create it with airflow-aws up');
  const alias = o.alias ?? `airflow-aws-${config.name}`;
  const file = path.resolve(ctx.cwd, o.kubeconfig ?? defaultKubeconfigPath());
  let doc: KubeconfigDoc = {};
  try {
    doc = (parse(await readFile(file, 'utf8')) as KubeconfigDoc | null) ?? {};
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UserError(`cannot read kubeconfig ${file}: ${(e as Error).message}`, { code: 'KUBECONFIG_INVALID', exitCode: 2 });
    }
  }
  const plugin = eksExecPlugin();
  const merged = mergeEksContext(doc, {
    alias,
    endpoint: outputs.get(STACK_OUTPUTS.clusterEndpoint),
    caData: outputs.get(STACK_OUTPUTS.clusterCertificateAuthority),
    clusterName: outputs.get(STACK_OUTPUTS.clusterName),
    region: config.region,
    setCurrent: o.setCurrent,
    command: plugin.command,
    commandArgs: plugin.args,
  });
  // YAML 1.1 output: kubectl's Go parser reads unquoted y/n/yes/no/on/off as booleans.
  const text = stringify(merged, { version: '1.1' });
  if (o.print) {
    ctx.out.data(text);
    return 0;
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, { mode: 0o600 });
  ctx.out.success(`wrote context ${alias} to ${file}${o.setCurrent ? ' (now current)' : ''}`);
  ctx.out.info(`try: kubectl --context ${alias} -n ${config.kubernetes.namespace} get pods`);
  return 0;
}

export async function eksTokenCommand(ctx: CommandContext, o: { clusterName: string; region: string }): Promise<number> {
  const { defaultCredentials } = await import('../../adapters/aws/deploy-inputs.js');
  const { mintEksToken, execCredential } = await import('../../adapters/aws/eks-token.js');
  const credentials = await defaultCredentials({ region: o.region })();
  const t = await mintEksToken({ clusterName: o.clusterName, region: o.region, credentials });
  // The token is this command's output by design: kubectl reads it from stdout (like `aws eks get-token`).
  ctx.out.dataJson(execCredential(t));
  return 0;
}
