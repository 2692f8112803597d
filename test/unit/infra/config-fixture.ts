/** Resolved configs for infrastructure tests, built through the real config pipeline. */
import { parseConfig } from '../../../src/config/load.js';
import type { ResolvedConfig } from '../../../src/config/resolved.js';

/** A config with every default, plus whatever `extra` (YAML text appended at top level) sets. */
export function testConfig(extra = ''): ResolvedConfig {
  return parseConfig(`name: demo\nregion: eu-west-1\n${extra}`, 'airflow-aws.yaml', '/tmp/project');
}
