/**
 * `users add|reset-password`: runs src/users' helper next to Airflow — in a ready api-server pod of the cluster, in
 * the dev api-server container, or in the dev virtualenv — with the request (and its password) on stdin, and turns
 * its answer into a result or a UserError. Where it runs is an `AirflowPython`, so the command logic is the same
 * for every target and testable with a fake.
 */
import type { ResolvedConfig } from '../../config/resolved.js';
import { EXIT_BAD_INPUT, UserError } from '../../errors/user-error.js';
import { outcomeError, readUserOutcome, requestLine, USERS_SCRIPT, type UserRequest } from '../../users/request.js';

export interface PythonRun {
  readonly exitCode: number;
  /** Already redacted of the password. */
  readonly stdout: string;
  readonly stderr: string;
}

/** A Python interpreter with the Airflow environment of a running deployment. */
export interface AirflowPython {
  /** For messages: "pod airflow/api-server-5d9c", "local native Airflow". */
  readonly where: string;
  /** Runs `python -c script` with `stdin`; every string in `redact` is replaced in what comes back. */
  run(script: string, stdin: string, redact: readonly string[]): Promise<PythonRun>;
}

/**
 * FAB database users exist with the FAB auth manager only (Airflow 2 always has it); refused before anything is
 * reached when the config says otherwise.
 */
export function requireFabAuth(config: Pick<ResolvedConfig, 'airflow' | 'airflowMajor'>, configPath: string): void {
  if (config.airflowMajor === 3 && config.airflow.auth !== 'fab') {
    throw new UserError(`${configPath}: airflow.auth is ${config.airflow.auth}, which has no database users`, {
      code: 'USERS_NEED_FAB',
      exitCode: EXIT_BAD_INPUT,
      hint: 'set airflow.auth: fab (the default) to manage users with airflow-aws users',
    });
  }
}

/** Applies the request; resolves when Airflow reports it done, throws the UserError that says why not otherwise. */
export async function applyUserRequest(python: AirflowPython, request: UserRequest): Promise<void> {
  const redact = [request.password];
  const r = await python.run(USERS_SCRIPT, requestLine(request), redact);
  const tail = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-20);
  const outcome = readUserOutcome(r.stdout);
  if (!outcome) {
    throw new UserError(`the user helper failed in ${python.where} (exit ${r.exitCode}) before it answered`, {
      code: 'USER_HELPER_FAILED',
      details: tail,
      hint: 'the lines above are its output; is Airflow healthy there (airflow-aws status / dev status)?',
    });
  }
  const error = outcomeError(request, outcome, python.where, tail);
  if (error) throw error;
}
