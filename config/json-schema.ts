/**
 * The config schema as JSON Schema, for editor completion and hover help. Rules that relate two
 * fields (overlapping routes, undeclared namespaces) exist only in the valibot schema; editors see
 * the shape, synth enforces the rest.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import { ClusterConfigSchema } from './schema';

export const CONFIG_JSON_SCHEMA_FILE = 'config/cluster.schema.json';

export function configJsonSchema(): string {
  const schema = toJsonSchema(ClusterConfigSchema, { errorMode: 'ignore', typeMode: 'input' });
  return `${JSON.stringify({ ...schema, title: 'Oceanid cluster config', $id: 'cluster.schema.json' }, null, 2)}\n`;
}
