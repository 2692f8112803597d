/**
 * The Airflow environment of native mode, from the project, its secrets and the ports of a start: what `dev up`
 * gives its components, and what a later command (`users`) gives a one-off Python next to them (reading the ports
 * from the state file).
 */
import path from 'node:path';
import { PG_DATABASE, PG_USER } from '../../adapters/postgres/native.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import type { AirflowEnvInput } from '../../dev/airflow-env.js';
import type { DevPaths } from '../../dev/paths.js';
import type { DevSecrets } from '../../dev/secrets.js';

/** SimpleAuthManager's passwords file in the Airflow home of native mode. */
export const simpleAuthFile = (paths: DevPaths): string => path.join(paths.airflowHome, 'simple_auth_manager_passwords.json');

export function nativeEnvInput(config: ResolvedConfig, paths: DevPaths, secrets: DevSecrets, ports: { readonly postgres: number; readonly api: number }): AirflowEnvInput {
  return {
    config,
    secrets,
    db: { host: '127.0.0.1', port: ports.postgres, user: PG_USER, database: PG_DATABASE },
    apiPort: ports.api,
    apiHost: '127.0.0.1',
    executionApiUrl: `http://127.0.0.1:${ports.api}/execution/`,
    baseUrl: `http://localhost:${ports.api}`,
    airflowHome: paths.airflowHome,
    dagsFolder: path.resolve(config.projectDir, config.image.dagsDir),
    pluginsFolder: path.resolve(config.projectDir, config.image.pluginsDir),
    taskLogsFolder: paths.taskLogsDir,
    simpleAuthPasswordsFile: simpleAuthFile(paths),
  };
}
