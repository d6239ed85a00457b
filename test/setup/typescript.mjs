import { register } from 'node:module';
import { createRequire } from 'node:module';
createRequire(import.meta.url)('tsx/cjs');
register('file:///tmp/hooktest/hooks.mjs');
