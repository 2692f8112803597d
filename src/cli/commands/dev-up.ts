/** `airflow-aws dev up`: flags in, src/ops/dev/up.ts does the work, the announcement out. */
import { devUp } from '../../ops/dev/up.js';
import type { CommandContext } from '../context.js';
import { announce } from './dev-announce.js';
import { currentImageRef, devContext } from './dev-context.js';

export interface DevUpOptions {
  readonly native: boolean;
  readonly port: number;
  readonly detach: boolean;
  readonly python?: string;
  readonly wait: number;
  readonly image?: string;
  readonly postgresImage?: string;
  readonly secretsEndpoint?: string;
  /** Where DAGs come from: the project's folder, or the deployed S3 bundle. @default "folder" */
  readonly dags?: 'folder' | 's3';
  /** Internal: this process is the detached supervisor started by `dev up --detach`. */
  readonly supervised?: boolean;
}

export async function devUpCommand(ctx: CommandContext, o: DevUpOptions): Promise<number> {
  const config = await ctx.config();
  return devUp(
    devContext(ctx),
    config,
    {
      native: o.native,
      port: o.port,
      detach: o.detach,
      waitSeconds: o.wait,
      dagsFrom: o.dags ?? 'folder',
      supervised: o.supervised ?? false,
      supervisor: () => supervisorCommand(ctx, o),
      currentImageRef: currentImageRef(config),
      ...(o.python ? { python: o.python } : {}),
      ...(o.image ? { image: o.image } : {}),
      ...(o.postgresImage ? { postgresImage: o.postgresImage } : {}),
      ...(o.secretsEndpoint !== undefined ? { secretsEndpoint: o.secretsEndpoint } : {}),
    },
    (up) => announce(ctx.out, up),
  );
}

/** This CLI again, as the detached supervisor: same config, same flags, and --verbose if given. */
function supervisorCommand(ctx: CommandContext, o: DevUpOptions): { file: string; args: string[] } {
  const cli = process.argv[1];
  if (!cli) throw new Error('cannot locate the airflow-aws executable to detach');
  const args = [cli, '-c', ctx.configPath, 'dev', 'up', '--native', '--supervised', '--port', String(o.port), '--wait', String(o.wait)];
  if (o.python) args.push('--python', o.python);
  if (o.secretsEndpoint !== undefined) args.push('--secrets-endpoint', o.secretsEndpoint);
  if (o.dags) args.push('--dags', o.dags);
  if (ctx.out.verbose) args.splice(1, 0, '--verbose');
  return { file: process.execPath, args };
}
