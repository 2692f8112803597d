/**
 * FAB database users (`airflow-aws users add|reset-password`), as data: what is checked before anything runs, the
 * Python run next to Airflow (in the api-server pod, the dev container or the dev virtualenv) and how its answer
 * reads. Pure.
 *
 * The password never travels in argv: `airflow users create --password` would put it in `ps`, in the kubelet's
 * exec audit log and in Airflow's own CLI log table. The script goes in argv (`python -c SCRIPT`, nothing secret in
 * it) and the request — password included — as one JSON line on stdin.
 * @see https://airflow.apache.org/docs/apache-airflow-providers-fab/stable/auth-manager/access-control.html
 */
import { EXIT_BAD_INPUT, UserError } from '../errors/user-error.js';

/** FAB's built-in roles, as Airflow syncs them at the API server's start. */
export const FAB_ROLES = ['Admin', 'Op', 'User', 'Viewer'] as const;
export type FabRole = (typeof FAB_ROLES)[number];

export interface AddUser {
  readonly action: 'add';
  readonly username: string;
  readonly role: FabRole;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly password: string;
}

export interface ResetPassword {
  readonly action: 'reset-password';
  readonly username: string;
  readonly password: string;
}

export type UserRequest = AddUser | ResetPassword;

function badInput(message: string, hint: string): UserError {
  return new UserError(message, { code: 'USER_INPUT_INVALID', exitCode: EXIT_BAD_INPUT, hint });
}

/** Lengths of FAB's `ab_user` columns. */
const MAX = { username: 256, name: 256, email: 256 } as const;

/**
 * A username we create: letters, digits and `. _ @ + -` — what FAB's login form and the /auth/token body carry
 * without surprises. (SSO may create other names; those are not made here.)
 */
export function checkUsername(username: string): void {
  if (!/^[A-Za-z0-9._@+-]+$/.test(username) || username.length > MAX.username) {
    throw badInput(`username ${JSON.stringify(username)} is not usable`, `use 1-${MAX.username} letters, digits and . _ @ + - (no spaces)`);
  }
}

export function checkEmail(email: string): void {
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > MAX.email) {
    throw badInput(`--email ${JSON.stringify(email)} is not an email address`, 'give one like ada@example.com (FAB requires a unique email per user)');
  }
}

function checkName(flag: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (value.length > MAX.name || /[\u0000-\u001f\u007f]/.test(value)) {
    throw badInput(`${flag} ${JSON.stringify(value)} is not usable`, `use at most ${MAX.name} characters on one line`);
  }
}

/**
 * The password as read from stdin, a file or a prompt: one trailing newline (what `echo` and editors add) is not
 * part of it. The message never repeats the value.
 */
export function passwordFromText(raw: string): string {
  const password = raw.replace(/\r?\n$/, '');
  if (password === '') throw badInput('the password is empty: nothing came on stdin or from --password-file', 'pipe it (printf %s "$PASSWORD" | airflow-aws users ...) or give --password-file FILE');
  if (/[\r\n]/.test(password)) throw badInput('the password has a line break inside it', 'give it on one line (one trailing newline is dropped)');
  return password;
}

export interface AddUserInput {
  readonly username: string;
  readonly role: FabRole;
  readonly email: string;
  /** @default the username */
  readonly firstName?: string;
  /** @default the empty string */
  readonly lastName?: string;
}

/**
 * Everything `users add` needs but the password, checked (before the password is asked for); throws a UserError
 * (exit 2) naming the flag and the value.
 */
export function checkAddUser(input: AddUserInput): Omit<AddUser, 'password'> {
  checkUsername(input.username);
  if (!(FAB_ROLES as readonly string[]).includes(input.role)) throw badInput(`--role ${JSON.stringify(input.role)} is not a FAB role`, `use one of ${FAB_ROLES.join(', ')}`);
  checkEmail(input.email);
  const firstName = input.firstName ?? input.username;
  const lastName = input.lastName ?? '';
  checkName('--first-name', firstName);
  checkName('--last-name', lastName);
  return { action: 'add', username: input.username, role: input.role, email: input.email, firstName, lastName };
}

export function checkResetPassword(username: string): Omit<ResetPassword, 'password'> {
  checkUsername(username);
  return { action: 'reset-password', username };
}

/** The stdin of the helper: one JSON line (a pod exec cannot always signal end-of-input, so a line ends it). */
export function requestLine(r: UserRequest): string {
  return `${JSON.stringify(r)}\n`;
}

export const USERS_MARKER = '@@airflow-aws-users@@';

/**
 * Run as `python -c USERS_SCRIPT` with the Airflow environment of the component (database, fernet key, auth
 * manager). The same security-manager calls as `airflow users create` / `reset-password`
 * (airflow.providers.fab.auth_manager.cli_commands.user_command), without its argv and its CLI log entry.
 * Output: one marker-prefixed JSON line `{"outcome": ...}`; anything Airflow logs around it is ignored.
 */
export const USERS_SCRIPT = `
import importlib.metadata, json, sys, traceback
req = json.loads(sys.stdin.readline())
def finish(outcome, **extra):
    sys.stdout.write("\\n${USERS_MARKER}" + json.dumps(dict(outcome=outcome, **extra)) + "\\n")
    sys.stdout.flush()
    sys.exit(0)
if int(importlib.metadata.version("apache-airflow").split(".")[0]) >= 3:
    from airflow.configuration import conf
    manager = conf.get("core", "auth_manager")
    if "FabAuthManager" not in manager:
        finish("not-fab", manager=manager)
from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder
with get_application_builder() as appbuilder:
    sm = appbuilder.sm
    user = sm.find_user(username=req["username"])
    if req["action"] == "add":
        if user:
            finish("user-exists")
        if sm.find_user(email=req["email"]):
            finish("email-taken")
        role = sm.find_role(req["role"])
        if not role:
            finish("unknown-role", roles=sorted(r.name for r in sm.get_all_roles()))
        # Newer FAB providers raise instead of returning None; either way, the traceback goes to stderr.
        try:
            added = sm.add_user(req["username"], req["firstName"], req["lastName"], req["email"], role, req["password"])
        except Exception:
            traceback.print_exc()
            added = None
        finish("added" if added else "failed")
    if not user:
        finish("unknown-user")
    try:
        done = sm.reset_password(user.id, req["password"])
    except Exception:
        traceback.print_exc()
        done = False
    finish("password-reset" if done else "failed")
`;

export type UserOutcome =
  | { readonly outcome: 'added' | 'password-reset' | 'user-exists' | 'email-taken' | 'unknown-user' | 'failed' }
  | { readonly outcome: 'unknown-role'; readonly roles: readonly string[] }
  | { readonly outcome: 'not-fab'; readonly manager: string };

/** The helper's answer: the last marker line of its stdout, or undefined when it never got that far. */
export function readUserOutcome(stdout: string): UserOutcome | undefined {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith(USERS_MARKER))
    .pop();
  if (!line) return undefined;
  try {
    const v = JSON.parse(line.slice(USERS_MARKER.length)) as { outcome?: unknown; roles?: unknown; manager?: unknown };
    switch (v.outcome) {
      case 'added':
      case 'password-reset':
      case 'user-exists':
      case 'email-taken':
      case 'unknown-user':
      case 'failed':
        return { outcome: v.outcome };
      case 'unknown-role':
        return { outcome: 'unknown-role', roles: Array.isArray(v.roles) ? v.roles.map(String) : [] };
      case 'not-fab':
        return { outcome: 'not-fab', manager: String(v.manager ?? '') };
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/**
 * What an outcome means to the user: nothing (done) or the UserError to raise. `where` names the target in messages
 * ("pod airflow/api-server-x", "local native Airflow"); `details` is the helper's redacted output tail.
 */
export function outcomeError(r: UserRequest, o: UserOutcome, where: string, details: readonly string[]): UserError | undefined {
  const u = r.username;
  switch (o.outcome) {
    case 'added':
    case 'password-reset':
      return undefined;
    case 'user-exists':
      return new UserError(`user ${u} already exists (${where}); nothing changed`, {
        code: 'USER_EXISTS',
        exitCode: EXIT_BAD_INPUT,
        hint: `to change its password: airflow-aws users reset-password ${u}`,
      });
    case 'email-taken':
      return new UserError(`another user already has the email ${r.action === 'add' ? r.email : ''} (${where}); nothing changed`, {
        code: 'USER_EMAIL_TAKEN',
        exitCode: EXIT_BAD_INPUT,
        hint: 'FAB needs a unique email per user: give another --email',
      });
    case 'unknown-user':
      return new UserError(`there is no user ${u} (${where}); nothing changed`, {
        code: 'USER_NOT_FOUND',
        exitCode: EXIT_BAD_INPUT,
        hint: `create it with airflow-aws users add ${u} --role Viewer --email EMAIL`,
      });
    case 'unknown-role':
      return new UserError(`the role ${r.action === 'add' ? r.role : ''} does not exist yet (${where}; roles: ${o.roles.join(', ') || 'none'})`, {
        code: 'USER_ROLE_MISSING',
        hint: 'FAB creates its roles when the API server starts: wait until it is healthy (airflow-aws status / dev status), then retry',
      });
    case 'not-fab':
      return new UserError(`the Airflow in ${where} runs the auth manager ${o.manager}, which has no database users`, {
        code: 'USERS_NEED_FAB',
        exitCode: EXIT_BAD_INPUT,
        hint: 'set airflow.auth: fab in airflow-aws.yaml and deploy (or dev up) again',
      });
    case 'failed':
      return new UserError(`FAB refused to ${r.action === 'add' ? `add user ${u}` : `reset the password of ${u}`} (${where})`, {
        code: 'USER_CHANGE_FAILED',
        details,
        hint: 'the lines above are the security manager\'s log',
      });
  }
}
