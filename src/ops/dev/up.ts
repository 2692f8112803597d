/**
 * `dev up`: the same Airflow, locally. Docker mode when an engine answers (the project's image, a PostgreSQL
 * container), native mode otherwise or with --native (a virtualenv from the same lock, the machine's PostgreSQL,
 * processes supervised by this CLI, in the foreground or detached).
 */
import { DockerCli } from '../../adapters/docker/docker-cli.js';
import { secretsPrefix } from '../../config/naming.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { SECRETS_ENDPOINT_AWS, type SecretsBackendClient } from '../../config/secrets-backend.js';
import type { BundleTarget } from '../../dags/bundle.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import type { DevOpContext, DevUp } from './context.js';
import type { CurrentImageRef } from './docker-image.js';
import { pathsFor } from './project.js';

export interface DevUpOptions {
  readonly native: boolean;
  readonly port: number;
  readonly detach: boolean;
  readonly python?: string;
  readonly waitSeconds: number;
  readonly image?: string;
  readonly postgresImage?: string;
  /** This process is the detached supervisor started by `dev up --detach`. */
  readonly supervised: boolean;
  /** How to start the detached supervisor (a copy of the CLI), for --detach. */
  readonly supervisor: () => { readonly file: string; readonly args: readonly string[] };
  readonly currentImageRef: CurrentImageRef;
  /**
   * Secrets Manager endpoint for Airflow's secrets backend (`dev up --secrets-endpoint`): a URL, or "aws" for AWS's
   * own endpoint of the config's region. Native mode only for now.
   * @default no secrets backend
   */
  readonly secretsEndpoint?: string;
  /** `s3`: the S3 DAG bundle with the cluster's settings instead of the project's folder (native mode only). */
  readonly dagsFrom: 'folder' | 's3';
}

/**
 * Starts the environment; `onUp` runs once the API is healthy. Docker mode and --detach return then; native mode in
 * the foreground returns when stopped. Returns the exit code.
 */
export async function devUp(ctx: DevOpContext, config: ResolvedConfig, o: DevUpOptions, onUp: (up: DevUp) => void): Promise<number> {
  const paths = pathsFor(config);
  const docker = new DockerCli({ signal: ctx.signal });
  const useDocker = !o.native && (await docker.engineAnswers());
  if (o.dagsFrom === 's3' && useDocker) {
    throw new UserError('--dags s3 runs in native mode only', { code: 'DEV_DAGS_S3_DOCKER', exitCode: EXIT_BAD_INPUT, hint: 'add --native' });
  }
  if (!o.native && !useDocker) ctx.log.info('no Docker engine answers: using native mode (a virtualenv from the lock + local PostgreSQL)');
  if (useDocker && o.secretsEndpoint !== undefined) {
    // The container would need the endpoint reachable from inside and AWS credentials passed in; not built yet.
    throw new UserError('--secrets-endpoint works in native mode only', {
      code: 'FLAG_UNSUPPORTED',
      exitCode: EXIT_BAD_INPUT,
      hint: 'add --native (airflow-aws dev up --native --secrets-endpoint ...)',
    });
  }
  if (useDocker && config.auth.oidc) {
    ctx.log.warn('auth.oidc: Docker mode signs in with the local admin only; SSO runs locally in native mode (dev up --native)');
  }
  if (useDocker) {
    const { dockerUp } = await import('./docker-up.js');
    onUp(
      await dockerUp(ctx, docker, config, paths, {
        port: o.port,
        waitSeconds: o.waitSeconds,
        currentImageRef: o.currentImageRef,
        ...(o.image ? { image: o.image } : {}),
        ...(o.postgresImage ? { postgresImage: o.postgresImage } : {}),
      }),
    );
    return 0;
  }
  const secretsBackend = o.secretsEndpoint === undefined ? undefined : secretsBackendClient(config, o.secretsEndpoint);
  if (secretsBackend && !o.supervised) {
    ctx.log.info(`connections, variables and config: Secrets Manager under ${secretsPrefix(config)}/ at ${secretsBackend.endpoint ?? `AWS (${config.region})`}, then the local database`);
  }
  // Resolved before detaching: a missing stack or bucket fails this command, not a supervisor in the background.
  const dagBundle = o.dagsFrom === 's3' ? await bundleTarget(ctx, config) : undefined;
  if (o.detach && !o.supervised) {
    const { detachNative } = await import('./native-detach.js');
    onUp(await detachNative(ctx, paths, { supervisor: o.supervisor(), waitSeconds: o.waitSeconds }));
    return 0;
  }
  const { nativeUp } = await import('./native-up.js');
  return nativeUp(
    ctx,
    config,
    paths,
    { port: o.port, waitSeconds: o.waitSeconds, mayShowSecrets: !o.supervised, ...(o.python ? { python: o.python } : {}), ...(secretsBackend ? { secretsBackend } : {}), ...(dagBundle ? { dagBundle } : {}) },
    onUp,
  );
}

/** `aws` = AWS's endpoint of the config's region; anything else is the endpoint URL itself. */
export function secretsBackendClient(config: Pick<ResolvedConfig, 'region'>, endpoint: string): SecretsBackendClient {
  return endpoint === SECRETS_ENDPOINT_AWS ? { region: config.region } : { region: config.region, endpoint };
}

/** The deployed bundle's bucket, checked to exist: the local Airflow then reads exactly what the cluster reads. */
async function bundleTarget(ctx: DevOpContext, config: ResolvedConfig): Promise<BundleTarget> {
  const { openBundleStore, requireS3Source } = await import('../dags/deploy.js');
  requireS3Source(config);
  const store = await openBundleStore({ config, aws: { region: config.region }, displayFolder: config.image.dagsDir });
  store.destroy();
  ctx.log.info(`DAGs from the S3 bundle s3://${store.bucket}/${store.prefix} (as on the cluster), not from ${config.image.dagsDir}/`);
  return { bucketName: store.bucket };
}
