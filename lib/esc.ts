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

/** Longest organization, project or environment name accepted (Pulumi project names: 100). */
const MAX_ESC_NAME_LENGTH = 100;

/** The characters Pulumi allows in an organization, project or environment name. */
export const ESC_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Describes what is wrong with an ESC organization, project or environment name, or returns
 * undefined. Pulumi's rule (docs, "Working with environments"): names "may only contain alphanumeric
 * characters, hyphens, underscores, and periods". The store puts them into the API path
 * (`/api/esc/environments/<org>/<project>/<env>`), so `.` and `..` alone are refused as well: they
 * would walk out of the organization.
 */
export function escNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.length > MAX_ESC_NAME_LENGTH) return `is longer than ${MAX_ESC_NAME_LENGTH} characters`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'may only contain letters, digits, hyphens, underscores and periods (no "/", spaces or other characters)';
  if (/^\.+$/.test(name)) return 'is only periods, which a URL path reads as "this" or "parent" folder';
  return undefined;
}
