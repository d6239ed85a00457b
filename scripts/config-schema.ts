/**
 * `npm run config-schema`: writes config/cluster.schema.json from the valibot schema, for editors
 * (the config files name it in their `yaml-language-server` comment). A test fails when the
 * committed file differs from what this writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configJsonSchema, CONFIG_JSON_SCHEMA_FILE } from '../config/json-schema';
import { REPO_ROOT } from '../lib/paths';

fs.writeFileSync(path.join(REPO_ROOT, CONFIG_JSON_SCHEMA_FILE), configJsonSchema());
process.stdout.write(`wrote ${CONFIG_JSON_SCHEMA_FILE}\n`);
