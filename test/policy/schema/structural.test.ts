import * as fs from 'node:fs';
import * as path from 'node:path';
import { KUBERNETES_SCHEMA_VERSIONS } from '../../../lib/kubernetes-versions';
import { REPO_ROOT, SCHEMA_BUNDLE_FILE } from '../../../lib/paths';
import { closeBuiltInSchema, closeCustomResourceSchema, OBJECT_META_REF } from '../../../policy/schema/structural';

describe('closing schemas', () => {
  test('an object with properties refuses other keys, and documentation is dropped', () => {
    expect(closeBuiltInSchema({ type: 'object', description: 'x', properties: { a: { type: 'string', format: 'int32', default: 'q' } } }))
      .toEqual({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false });
  });

  test('x-kubernetes-preserve-unknown-fields stays open', () => {
    expect(closeCustomResourceSchema({ type: 'object', properties: { values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }))
      .toMatchObject({ properties: { values: { type: 'object' } } });
    expect((closeCustomResourceSchema({ type: 'object', properties: { values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }) as any)
      .properties.values.additionalProperties).toBeUndefined();
  });

  test('maps are left as maps', () => {
    expect(closeBuiltInSchema({ type: 'object', additionalProperties: { type: 'string' } })).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
  });

  test('int-or-string becomes integer or string', () => {
    expect(closeCustomResourceSchema({ type: 'object', properties: { port: { 'x-kubernetes-int-or-string': true } } }))
      .toMatchObject({ properties: { port: { anyOf: [{ type: 'integer' }, { type: 'string' }] } } });
  });

  test('a bare CRD object keeps nothing (pruning), a bare built-in object stays free-form', () => {
    expect(closeCustomResourceSchema({ type: 'object', properties: { status: { type: 'object' } } })).toMatchObject({ properties: { status: { additionalProperties: false } } });
    expect(closeBuiltInSchema({ type: 'object' })).toEqual({ type: 'object' });
  });

  test('CRD metadata is validated as ObjectMeta', () => {
    expect(closeCustomResourceSchema({ type: 'object', properties: { metadata: { type: 'object' } } })).toMatchObject({ properties: { metadata: { $ref: OBJECT_META_REF } } });
  });

  test('property names that look like keywords are kept as property names', () => {
    expect(closeBuiltInSchema({ properties: { description: { type: 'string' }, default: { type: 'integer' } } }))
      .toEqual({ properties: { description: { type: 'string' }, default: { type: 'integer' } }, additionalProperties: false });
  });
});

// That the committed bundle is what \`npm run import\` builds from the vendored CRDs and schemas is
// .ci/run's drift step ("imports/ equals a fresh npm run import"); rebuilding it here would cost a
// second on every \`npm test\` to repeat it.
test('imports/schemas.json holds every supported Kubernetes version and the CRD versions the API server serves', () => {
  const committed = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, SCHEMA_BUNDLE_FILE), 'utf8'));
  expect(Object.keys(committed.kubernetes)).toEqual([...KUBERNETES_SCHEMA_VERSIONS]);
  expect(committed.crds['external-secrets.io'].ExternalSecret.versions).toMatchObject({ v1: { served: true }, v1beta1: { served: false } });
});
