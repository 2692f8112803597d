/** The JSON Schema of airflow-aws.yaml, generated from the zod schema the validator uses (never hand-written). */
import { z } from 'zod';
import { configSchema } from './schema.js';

export const SCHEMA_ID = 'https://airflow-aws.dev/schema/airflow-aws.schema.json';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: SCHEMA_ID, title: 'airflow-aws configuration' };
}
