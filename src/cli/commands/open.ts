/**
 * `airflow-aws open`: the Airflow UI on http://localhost:PORT through a port-forward to a ready api-server pod (no
 * kubectl), until Ctrl-C. The URL goes to stdout; the admin password only to a person at a terminal, otherwise the
 * command that reads it.
 */
import { OIDC_PROVIDER, ssoOf } from '../../airflow/fab-oidc.js';
import { NAMES, SECRET_KEYS } from '../../k8s/labels.js';
import { ADMIN_USERNAME } from '../../k8s/airflow-config.js';
import { exposureBaseUrl, isExposed } from '../../k8s/exposure.js';
import type { CommandContext } from '../context.js';
import type { OpenFlags } from '../specs/kube.js';
import { resolveCluster } from './cluster-target.js';

/** The desktop's URL opener: argv only, never a shell; a failure costs a warning, the URL is printed anyway. */
async function openBrowser(ctx: CommandContext, url: string): Promise<void> {
  const { runProcess } = await import('../../adapters/proc/run-process.js');
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const r = await runProcess(opener, [url], { timeoutMs: 15_000 });
    if (r.exitCode !== 0) ctx.out.warn(`could not open a browser (${opener} exited ${r.exitCode}); open ${url} yourself`);
  } catch {
    ctx.out.warn(`could not open a browser (${opener} not found); open ${url} yourself`);
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export async function openCommand(ctx: CommandContext, o: OpenFlags): Promise<number> {
  const config = await ctx.config();
  const ns = config.kubernetes.namespace;
  const target = await resolveCluster(ctx, config, o);
  const { forwardService, pickServicePod } = await import('../../adapters/kube/port-forward.js');
  const { deployedBasePath } = await import('../../adapters/kube/workload-status.js');
  const first = await pickServicePod(target.client, ns, NAMES.uiService);
  const prefix = await deployedBasePath(target.client, config);
  const fwd = await forwardService(target.client, ns, NAMES.uiService, { address: '127.0.0.1', port: o.port }, first, (m) => ctx.out.warn(m));
  try {
    const url = `http://localhost:${fwd.port}${prefix}/`;
    ctx.out.data(url);
    ctx.out.success(`Airflow UI on ${url} → pod ${first.pod} port ${first.port} (${target.where}, namespace ${ns}); Ctrl-C to stop`);
    if (ssoOf(config)) ctx.out.info(`  sign in with SSO: ${url.replace(/\/$/, '')}/auth/login/${OIDC_PROVIDER} (${config.auth.oidc!.issuer})`);
    // With SSO the database admin is not created by default: then there is no password to show.
    if (config.auth.createAdminUser) {
      const { readSecretData } = await import('../../adapters/kube/secrets.js');
      // Only a person at a terminal sees the password; an identity that may not read Secrets gets the command instead.
      const password = ctx.out.terminal ? (await readSecretData(target.client, ns, NAMES.secrets).catch(() => undefined))?.[SECRET_KEYS.adminPassword] : undefined;
      if (password) {
        ctx.out.info(`  login: ${ADMIN_USERNAME} / ${password}`);
      } else {
        ctx.out.info(`  login: ${ADMIN_USERNAME}; password: kubectl -n ${ns} get secret ${NAMES.secrets} -o jsonpath='{.data.${SECRET_KEYS.adminPassword}}' | base64 -d`);
      }
    }
    if (isExposed(config)) {
      const { readLoadBalancerEndpoint } = await import('../../adapters/kube/workload-status.js');
      const lb = await readLoadBalancerEndpoint(target.client, ns);
      const named = exposureBaseUrl(config);
      const address = lb?.address ?? 'not provisioned yet (see airflow-aws status)';
      ctx.out.info(`  also through the ${config.exposure.mode} load balancer: ${named ? `${named}/ (point ${config.exposure.hostname} at ${address})` : address}`);
    }
    if (ctx.out.terminal && o.browser) void openBrowser(ctx, url);
    await untilAborted(ctx.signal);
  } finally {
    await fwd.close();
  }
  return 0;
}
