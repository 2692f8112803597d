/** What `dev up` prints once Airflow is up. */
import type { DevUp } from '../../ops/dev/context.js';
import type { Output } from '../../ui/output.js';

/**
 * The URL and the credentials. The password itself is shown once, and only to a terminal: stderr that is a pipe or
 * a file ends up in CI logs and tees. Otherwise we say where to read it.
 */
export function announce(out: Output, up: DevUp): void {
  const { state, secrets, secretsFile } = up;
  out.success(`Airflow is up: http://localhost:${state.apiPort}`);
  if (up.firstTime && out.terminal) {
    out.info(`  login: ${secrets.adminUser} / ${secrets.adminPassword}   (shown once; kept in ${secretsFile})`);
  } else {
    out.info(`  login: ${secrets.adminUser}; password: "adminPassword" in ${secretsFile} (mode 0600)`);
  }
  out.info('  next: `airflow-aws dev run-dag <dag_id>`, `airflow-aws dev logs -f`, `airflow-aws dev down`');
}
