import { stringify } from 'yaml';
import { ConfigError } from '../../config/problems.js';
import type { CommandContext } from '../context.js';

export async function validateCommand(ctx: CommandContext, o: { json: boolean; print: boolean }): Promise<number> {
  try {
    const config = await ctx.config();
    if (o.json) ctx.out.dataJson({ valid: true, file: ctx.displayConfigPath, ...(o.print ? { config } : {}) });
    else if (o.print) ctx.out.data(stringify(config));
    ctx.out.success(`${ctx.displayConfigPath} is valid (${config.name}, ${config.region}, Airflow ${config.airflow.version})`);
    return 0;
  } catch (e) {
    if (o.json && e instanceof ConfigError) {
      ctx.out.dataJson({ valid: false, file: e.file, problems: e.problems });
    }
    throw e;
  }
}
