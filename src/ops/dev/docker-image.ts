/** Which Airflow image Docker mode runs (`dev up`, `dev parse`). */
import type { DockerCli } from '../../adapters/docker/docker-cli.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { UserError } from '../../errors/user-error.js';
import type { DevLog } from './context.js';

/**
 * The project's current content-tagged image reference (what `image build` would tag now). Passed in by the CLI,
 * which owns the image commands; it throws when the tag cannot be computed (no lock yet, ...).
 */
export type CurrentImageRef = () => Promise<string>;

/**
 * The image to run: `explicit` (--image); else the project's current content-tagged image; else the newest local
 * image of the project's repository built for the same Airflow and Python (DAGs are mounted, so a DAG-only
 * difference does not matter). Undefined when none exists.
 */
export async function resolveImage(
  docker: DockerCli,
  log: Pick<DevLog, 'debug' | 'warn'>,
  config: ResolvedConfig,
  currentRef: CurrentImageRef,
  explicit: string | undefined,
): Promise<string | undefined> {
  if (explicit) {
    if (!(await docker.imageExists(explicit))) {
      throw new UserError(`image ${explicit} does not exist locally`, { code: 'IMAGE_NOT_FOUND', exitCode: 2, hint: 'build it with `airflow-aws image build`' });
    }
    return explicit;
  }
  try {
    const ref = await currentRef();
    if (await docker.imageExists(ref)) return ref;
  } catch (e) {
    log.debug(`current image tag unknown: ${(e as Error).message}`);
  }
  const repo = config.registry.repositoryName;
  const [newest] = await docker.listImages(repo, [`org.apache.airflow.version=${config.airflow.version}`, `io.airflow-aws.python=${config.airflow.python}`]);
  if (newest) log.warn(`using ${newest}: the newest local image of ${repo}; run \`airflow-aws image build\` to match the current lock and plugins`);
  return newest;
}
