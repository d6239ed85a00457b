/**
 * Pulumi ESC property paths, as the ESO Pulumi provider passes `remoteRef.key` to
 * ReadEnvironmentProperty: relative to the environment's `values`, in Pulumi path syntax
 * (`a.b`, `a["key with ."]`, `a.list[0]`, `["root key"].x`). Not JSONPath, and not `project:path`:
 * the store already pins organization, project and environment.
 */

/** Plain names; anything else (dots, spaces, `$`) goes in brackets: `a["odd $name"]`. */
const NAME = '[A-Za-z_][\\w-]*';
const QUOTED = '\\["(?:[^"\\\\]|\\\\.)*"\\]';
const INDEX = '\\[(?:0|[1-9][0-9]*)\\]';
const ESC_PROPERTY_PATH = new RegExp(`^(?:${NAME}|${QUOTED})(?:\\.${NAME}|${QUOTED}|${INDEX})*$`);

/** Describes what is wrong with an ESC property path, or returns undefined when it is valid. */
export function escPathProblem(path: string): string | undefined {
  if (/^\$[.[]/.test(path)) return `is JSONPath; ESC keys are Pulumi property paths: write ${JSON.stringify(path.replace(/^\$\.?/, ''))}`;
  const colon = /^([^"[]*?):(.*)$/.exec(path);
  if (colon) {
    return `is "project:path" syntax; ESC keys are property paths inside the store's environment: write ${JSON.stringify(colon[2])}`;
  }
  if (!ESC_PROPERTY_PATH.test(path)) return 'is not a Pulumi property path such as aws.labelStudio.accessKeyId';
  return undefined;
}
