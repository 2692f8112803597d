import { configJsonSchema } from '../../config/json-schema.js';
import type { CommandContext } from '../context.js';

export async function schemaCommand(ctx: CommandContext): Promise<number> {
  ctx.out.dataJson(configJsonSchema());
  return 0;
}
