/**
 * `users add|reset-password`: the password from --password-file, a pipe, or a hidden prompt on a terminal (asked
 * twice); src/ops/users applies the change where Airflow runs. The password is never printed, never in argv.
 */
import { readSecretText } from '../../adapters/fs/secret-input.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { applyUserRequest, requireFabAuth, type AirflowPython } from '../../ops/users/index.js';
import { askHidden } from '../../ui/prompt.js';
import { checkAddUser, checkResetPassword, passwordFromText, type UserRequest } from '../../users/request.js';
import type { CommandContext } from '../context.js';
import type { UsersAddFlags, UsersTargetFlags } from '../specs/users.js';
import { resolveCluster, usesKubeContext } from './cluster-target.js';

async function readPassword(ctx: CommandContext, o: UsersTargetFlags, username: string): Promise<string> {
  if (o.passwordFile === undefined && process.stdin.isTTY && process.stderr.isTTY) {
    const first = await askHidden(`password for ${username}: `, ctx.signal);
    const again = await askHidden('again, to confirm: ', ctx.signal);
    if (first !== again) throw new UserError('the two passwords differ; nothing changed', { code: 'PASSWORD_MISMATCH', exitCode: EXIT_BAD_INPUT, hint: 'run the command again' });
    return passwordFromText(first);
  }
  return passwordFromText(await readSecretText({ cwd: ctx.cwd, ...(o.passwordFile !== undefined ? { file: o.passwordFile } : {}) }));
}

/** The flags and the config, checked before a password is asked for. */
function checkTarget(ctx: CommandContext, config: ResolvedConfig, o: UsersTargetFlags): void {
  requireFabAuth(config, ctx.displayConfigPath);
  if (o.dev && usesKubeContext(o)) {
    throw new UserError('--dev and --kube-context/--kubeconfig name two different Airflows', { code: 'FLAGS_CONFLICT', exitCode: EXIT_BAD_INPUT, hint: 'give one of them' });
  }
}

async function target(ctx: CommandContext, config: ResolvedConfig, o: UsersTargetFlags): Promise<AirflowPython> {
  const { clusterPython, devPython } = await import('../../ops/users/targets.js');
  if (o.dev) return devPython(config, ctx.signal);
  const cluster = await resolveCluster(ctx, config, o);
  return clusterPython(cluster.client, config, ctx.signal);
}

async function apply(ctx: CommandContext, o: UsersTargetFlags, config: ResolvedConfig, request: UserRequest, done: string): Promise<number> {
  const python = await target(ctx, config, o);
  ctx.out.step(`${request.action === 'add' ? 'adding' : 'setting the password of'} ${request.username} in ${python.where}`);
  await applyUserRequest(python, request);
  if (o.json) ctx.out.dataJson({ username: request.username, action: request.action, ...(request.action === 'add' ? { role: request.role } : {}), where: python.where });
  else ctx.out.data(`${done} (${python.where})`);
  return 0;
}

export async function usersAddCommand(ctx: CommandContext, username: string, o: UsersAddFlags): Promise<number> {
  const config = await ctx.config();
  checkTarget(ctx, config, o);
  const checked = checkAddUser({ username, role: o.role, email: o.email, ...(o.firstName !== undefined ? { firstName: o.firstName } : {}), ...(o.lastName !== undefined ? { lastName: o.lastName } : {}) });
  const request = { ...checked, password: await readPassword(ctx, o, username) };
  return apply(ctx, o, config, request, `added ${username} with role ${o.role}`);
}

export async function usersResetPasswordCommand(ctx: CommandContext, username: string, o: UsersTargetFlags): Promise<number> {
  const config = await ctx.config();
  checkTarget(ctx, config, o);
  const request = { ...checkResetPassword(username), password: await readPassword(ctx, o, username) };
  return apply(ctx, o, config, request, `password of ${username} set`);
}
