/**
 * Turns the OpenAPI schemas Kubernetes publishes into JSON Schemas that reject what the API server
 * would silently drop or refuse.
 *
 * The published schemas are permissive: an object schema with `properties` allows any other key, and
 * CRD schemas leave `metadata` untyped. The API server is not: unknown fields of a CRD are pruned
 * (structural schemas), unknown fields of built-in types are dropped with at most a warning. A field
 * that vanishes on apply is a bug we want to see, so every object schema that lists its properties
 * becomes closed, unless it says `x-kubernetes-preserve-unknown-fields`.
 */

type Schema = { [key: string]: unknown };

/** Where a schema comes from: CRD schemas follow the structural-schema rules, built-in ones do not. */
enum SchemaOrigin {
  BUILT_IN = 'built-in',
  CUSTOM_RESOURCE = 'custom-resource',
}

/** JSON pointer to ObjectMeta inside the bundle's `definitions`. */
export const OBJECT_META_REF = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

// Keys that document rather than constrain. `format` is dropped too: the API server checks only a few
// formats, each with its own rules, and the generic JSON-Schema formats would reject valid values.
const DOCUMENTATION_KEYS = new Set(['description', 'example', 'externalDocs', 'title', 'default', 'format']);

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function transform(schema: unknown, origin: SchemaOrigin): unknown {
  if (Array.isArray(schema)) return schema.map((item) => transform(item, origin));
  if (!isObject(schema)) return schema;

  const preserveUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DOCUMENTATION_KEYS.has(key) || key.startsWith('x-kubernetes-')) continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, transform(sub, origin)]));
    } else if (key === 'enum' || key === 'required') {
      out[key] = value;
    } else {
      out[key] = transform(value, origin);
    }
  }

  if (schema['x-kubernetes-int-or-string'] === true && out.type === undefined && out.anyOf === undefined) {
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema['x-kubernetes-embedded-resource'] === true && isObject(out.properties)) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...out.properties };
  }
  const closable = out.additionalProperties === undefined && !preserveUnknown;
  if (closable && out.properties !== undefined) {
    out.additionalProperties = false;
  } else if (closable && origin === SchemaOrigin.CUSTOM_RESOURCE && out.type === 'object') {
    // A structural CRD schema `type: object` with no properties keeps nothing: every field is pruned.
    out.additionalProperties = false;
  }
  return out;
}

/**
 * Closes a built-in type's schema (one entry of the Kubernetes `definitions`).
 */
export function closeBuiltInSchema(schema: unknown): unknown {
  return transform(schema, SchemaOrigin.BUILT_IN);
}

/**
 * Closes a CRD version's `openAPIV3Schema`. The root always admits apiVersion and kind, whether the
 * CRD lists them or not, and `metadata` is validated as ObjectMeta, as the API server does (CRD
 * schemas may not describe metadata beyond name and namespace).
 */
export function closeCustomResourceSchema(openApiV3Schema: unknown): unknown {
  const closed = transform(openApiV3Schema, SchemaOrigin.CUSTOM_RESOURCE);
  if (!isObject(closed)) return closed;
  const properties = isObject(closed.properties) ? closed.properties : {};
  return {
    ...closed,
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, ...properties, metadata: { $ref: OBJECT_META_REF } },
  };
}
