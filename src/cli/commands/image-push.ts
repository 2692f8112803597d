/**
 * `image push`: ECR login with the AWS SDK (GetAuthorizationToken) into a temporary Docker config, push the
 * content-tagged image, print its digest. A tag already in the registry is not pushed again (tags are content
 * hashes, so the same tag means the same image).
 */
import { ecrClient, ecrLogin } from '../../adapters/aws/ecr.js';
import { DockerCli } from '../../adapters/docker/docker-cli.js';
import { UserError } from '../../errors/user-error.js';
import type { CommandContext } from '../context.js';
import { prepareImage } from './image-common.js';

export interface ImagePushOptions {
  /** Registry host to push to instead of the one ECR names (a mirror, or a test registry). */
  readonly registry?: string;
  readonly baseImage?: string;
  readonly tag?: string;
  readonly json?: boolean;
}

export interface ImagePushResult {
  readonly image: string;
  readonly digest: string;
  readonly pushed: boolean;
}

/** Registries reached over plain HTTP by Docker's defaults (127.0.0.0/8): manifest checks need --insecure there. */
function isLoopback(registry: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/.test(registry);
}

export async function pushImage(ctx: CommandContext, o: ImagePushOptions): Promise<ImagePushResult> {
  const config = await ctx.config();
  const prepared = await prepareImage(config, o.baseImage);
  const localRef = o.tag ? `${prepared.repository}:${o.tag}` : prepared.ref;
  const tag = o.tag ?? prepared.tag;
  const docker = new DockerCli({ signal: ctx.signal });
  await docker.detect();
  if (!(await docker.imageExists(localRef))) {
    throw new UserError(`${localRef} is not built on this machine`, {
      code: 'IMAGE_NOT_FOUND',
      hint: 'run `airflow-aws image build` first (with the same config, DAGs and --base-image)',
    });
  }
  ctx.out.step('getting a registry token from ECR (GetAuthorizationToken)');
  const login = await ecrLogin(ecrClient(config.region), ctx.signal);
  const registry = o.registry ?? login.registry;
  const remoteRef = `${registry}/${prepared.repository}:${tag}`;
  const configDir = await docker.loginTemporary(registry, login.username, login.password);
  try {
    const existing = await docker.remoteDigest(remoteRef, configDir, isLoopback(registry));
    if (existing) {
      ctx.out.success(`${remoteRef} is already in the registry; not pushed again`);
      return { image: `${registry}/${prepared.repository}@${existing}`, digest: existing, pushed: false };
    }
    await docker.tag(localRef, remoteRef);
    ctx.out.step(`pushing ${remoteRef}`);
    const digest = await docker.push(remoteRef, configDir, (l) => ctx.out.debug(l));
    ctx.out.success(`pushed ${remoteRef}`);
    return { image: `${registry}/${prepared.repository}@${digest}`, digest, pushed: true };
  } finally {
    await docker.disposeConfig(configDir);
  }
}

export async function imagePushCommand(ctx: CommandContext, o: ImagePushOptions): Promise<number> {
  const r = await pushImage(ctx, o);
  if (o.json) ctx.out.dataJson(r);
  else ctx.out.data(r.image);
  return 0;
}
