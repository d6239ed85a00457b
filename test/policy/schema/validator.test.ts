import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, SCHEMA_BUNDLE_FILE } from '../../../lib/paths';
import { checkSchemas, SchemaRegistry } from '../../../policy/schema';
import { Universe } from '../../../policy/universe';
import { objects, schemas, tempDir } from '../../helpers';

const externalSecret = {
  apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'creds', namespace: 'apps' },
  spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'pulumi-esc' }, target: { name: 'creds' }, data: [{ secretKey: 'A', remoteRef: { key: 'a.b' } }] },
};

const check = (...manifests: Array<Record<string, unknown>>) => checkSchemas(new Universe(objects(manifests)), schemas().at('1.33'));
const messages = (...manifests: Array<Record<string, unknown>>) => check(...manifests).map((f) => `${f.path ?? ''}: ${f.message}`);

describe('schema validation', () => {
  test('a valid object passes', () => {
    expect(check(externalSecret)).toEqual([]);
  });

  test('an unknown field is refused with its path', () => {
    expect(messages({ ...externalSecret, spec: { ...externalSecret.spec, refreshIntervall: '1h' } }))
      .toEqual(['spec.refreshIntervall: unknown field: the API server would drop it (check the spelling and the API version)']);
  });

  test('an unknown field deep in a built-in type is refused', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps' }, spec: { containers: [{ name: 'a', image: 'a:1', imagePullPolicys: 'Always' }] } };
    expect(messages(pod)).toEqual(['spec.containers[0].imagePullPolicys: unknown field: the API server would drop it (check the spelling and the API version)']);
  });

  test('wrong types and enum values are refused', () => {
    expect(messages({ ...externalSecret, spec: { ...externalSecret.spec, target: { name: 'creds', creationPolicy: 'Mine' } } }))
      .toEqual(['spec.target.creationPolicy: must be one of "Owner", "Orphan", "Merge", "None", "CreateOrMerge"']);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps' }, spec: { containers: [{ name: 'a', image: 'a:1', ports: [{ containerPort: '80' }] }] } };
    expect(messages(pod)).toEqual(['spec.containers[0].ports[0].containerPort: must be integer']);
  });

  test('a missing required field is refused', () => {
    expect(messages({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'k', namespace: 'flux-system' }, spec: { interval: '1m', prune: true } }))
      .toEqual(['spec.sourceRef: required field is missing']);
  });

  test('an API version the CRD no longer serves is refused with the one to use', () => {
    expect(messages({ ...externalSecret, apiVersion: 'external-secrets.io/v1beta1' }))
      .toEqual(['apiVersion: external-secrets.io/v1beta1 ExternalSecret is no longer served (imports/crds/external-secrets/externalsecrets.external-secrets.io.yaml serves v1)']);
    expect(check({ ...externalSecret, apiVersion: 'external-secrets.io/v1beta1' })[0].fix).toBe('use apiVersion external-secrets.io/v1');
    expect(messages({ apiVersion: 'helm.toolkit.fluxcd.io/v2beta2', kind: 'HelmRelease', metadata: { name: 'h', namespace: 'x' } })[0]).toContain('does not exist');
  });

  test('an unknown kind is refused as the API server would', () => {
    expect(messages({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c', namespace: 'apps' } })[0])
      .toBe('kind: no schema for Certificate in cert-manager.io at Kubernetes 1.33: the API server would answer "no matches for kind "Certificate" in version "cert-manager.io/v1""');
  });

  test('a CRD among the checked objects supplies its kind, scope and schema', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }] },
    };
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'apps' }, spec: { size: 3 } };
    expect(check(crd, widget)).toEqual([]);
    expect(messages(crd, { ...widget, spec: { size: 'big', colour: 'red' } })).toEqual([
      'spec.colour: unknown field: the API server would drop it (check the spelling and the API version)', 'spec.size: must be integer',
    ]);
  });

  test('namespaced objects need a namespace; cluster-scoped ones must not have one', () => {
    const { namespace: _dropped, ...metadata } = externalSecret.metadata;
    expect(messages({ ...externalSecret, metadata })).toEqual(['metadata: ExternalSecret is namespaced but has no metadata.namespace: it would land in whatever namespace the applier defaults to']);
    expect(messages({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', namespace: 'b' } })).toEqual(['metadata.namespace: Namespace is cluster-scoped and cannot have a namespace']);
  });

  test('names, label keys and values follow Kubernetes syntax', () => {
    expect(messages({ ...externalSecret, metadata: { name: 'Creds_1', namespace: 'apps', labels: { 'bad key!': 'x', ok: 'has space' } } })).toEqual([
      'metadata.name: name "Creds_1" must consist of lower-case letters, digits, \'-\' and \'.\', and start and end with a letter or digit',
      'metadata.labels["bad key!"]: label key "bad key!": name part must consist of letters, digits, \'-\', \'_\' or \'.\', and start and end with a letter or digit',
      'metadata.labels.ok: label value "has space": must consist of letters, digits, \'-\', \'_\' or \'.\', and start and end with a letter or digit',
    ]);
    expect(messages({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } })[0]).toContain('name "a.b" must consist of lower-case letters, digits and \'-\'');
    expect(check({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:reader' }, rules: [] })).toEqual([]);
  });

  test('an object without apiVersion or kind is not a Kubernetes object', () => {
    expect(messages({ metadata: { name: 'x' } })).toEqual([': not a Kubernetes object: apiVersion and kind are required']);
  });
});

describe('the validator cache', () => {
  test('compiles once, then loads the cached validator with V8\'s code cache', () => {
    const cacheDir = tempDir();
    const bundle = path.join(REPO_ROOT, SCHEMA_BUNDLE_FILE);
    const first = new SchemaRegistry(bundle, cacheDir).at('1.33');
    expect(first.validate('', 'v1', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 1 } }))
      .toEqual([{ path: ['data', 'a'], message: 'must be string' }]);
    const files = fs.readdirSync(cacheDir).sort();
    expect(files.some((file) => file.endsWith('core_v1_ConfigMap.js'))).toBe(true);
    expect(files.some((file) => file.endsWith('core_v1_ConfigMap.js.v8'))).toBe(true);
    const second = new SchemaRegistry(bundle, cacheDir).at('1.33');
    expect(second.validate('', 'v1', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } })).toEqual([]);
  });

  test('a new bundle gets its own cache entries and removes the old bundle\'s', () => {
    const cacheDir = tempDir();
    const other = path.join(tempDir(), 'schemas.json');
    fs.writeFileSync(other, `${fs.readFileSync(path.join(REPO_ROOT, SCHEMA_BUNDLE_FILE), 'utf8')} `);
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } };
    const first = new SchemaRegistry(path.join(REPO_ROOT, SCHEMA_BUNDLE_FILE), cacheDir).at('1.33');
    expect(first.kind('', 'Namespace')?.scope).toBe('Cluster');
    first.validate('', 'v1', 'Namespace', namespace);
    const firstFiles = fs.readdirSync(cacheDir);
    const second = new SchemaRegistry(other, cacheDir).at('1.33');
    expect(second.kind('', 'Namespace')?.scope).toBe('Cluster');
    second.validate('', 'v1', 'Namespace', namespace);
    const secondFiles = fs.readdirSync(cacheDir);
    expect(secondFiles.filter((file) => file.endsWith('core_v1_Namespace.js'))).toHaveLength(1);
    expect(secondFiles.some((file) => firstFiles.includes(file))).toBe(false);
  });
});

describe('case 7: a cache that cannot lie', () => {
  const bundle = path.join(REPO_ROOT, SCHEMA_BUNDLE_FILE);
  const badNamespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' }, spce: {} };
  const unknownField = [{ path: ['spce'], message: 'unknown field: the API server would drop it (check the spelling and the API version)' }];

  /** A cache folder holding a compiled Namespace validator and its V8 code cache. */
  function warmCache(): { cacheDir: string; codeFile: string } {
    const cacheDir = tempDir();
    const registry = new SchemaRegistry(bundle, cacheDir).at('1.33');
    expect(registry.kind('', 'Namespace')?.scope).toBe('Cluster');
    expect(registry.validate('', 'v1', 'Namespace', badNamespace)).toEqual(unknownField);
    const codeFile = path.join(cacheDir, fs.readdirSync(cacheDir).find((file) => file.endsWith('_core_v1_Namespace.js'))!);
    return { cacheDir, codeFile };
  }

  test.each([
    ['replaced by an always-true validator', 'module.exports=()=>true'],
    ['truncated', null],
    ['empty', ''],
  ])('a cached validator %s is detected and recompiled', (_case, replacement) => {
    const { cacheDir, codeFile } = warmCache();
    const original = fs.readFileSync(codeFile, 'utf8');
    fs.writeFileSync(codeFile, replacement ?? original.slice(0, original.length / 2));
    expect(new SchemaRegistry(bundle, cacheDir).at('1.33').validate('', 'v1', 'Namespace', badNamespace)).toEqual(unknownField);
    // Recompiled and rewritten, so the next run loads a good entry again.
    expect(fs.readFileSync(codeFile, 'utf8')).toBe(original);
  });

  test('a replaced V8 code cache or kind index is not trusted either', () => {
    const { cacheDir, codeFile } = warmCache();
    fs.writeFileSync(`${codeFile}.v8`, Buffer.alloc(64, 7));
    const index = path.join(cacheDir, fs.readdirSync(cacheDir).find((file) => /-index-1\.33\.json$/.test(file))!);
    fs.writeFileSync(index, '{"": {}}');
    const registry = new SchemaRegistry(bundle, cacheDir).at('1.33');
    expect(registry.kind('', 'Namespace')?.scope).toBe('Cluster');
    expect(registry.validate('', 'v1', 'Namespace', badNamespace)).toEqual(unknownField);
  });

  test('an unwritable cache folder means validating in memory', () => {
    const file = path.join(tempDir(), 'not-a-folder');
    fs.writeFileSync(file, '');
    // A file where the cache folder should be: every write fails, as on a read-only node_modules.
    const registry = new SchemaRegistry(bundle, path.join(file, 'validators')).at('1.33');
    expect(registry.kind('', 'Namespace')?.scope).toBe('Cluster');
    expect(registry.validate('', 'v1', 'Namespace', badNamespace)).toEqual(unknownField);
  });
});
