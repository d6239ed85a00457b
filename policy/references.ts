/**
 * Gate check: references between objects resolve inside the universe. A pod that reads a Secret no
 * ExternalSecret produces, an ExternalSecret whose store does not admit its namespace, a HelmRelease
 * without its source, a Kustomization waiting on a layer that does not exist: each is applied
 * without complaint and then never becomes Ready.
 */
import { FLUX_BOOTSTRAP_SOURCE, FLUX_SYSTEM_NAMESPACE, PULUMI_TOKEN_SECRET, SYSTEM_NAMESPACES } from '../lib/constants';
import { PathSegment } from '../lib/field-path';
import { Rule } from './rule';
import { Finding, ManifestObject } from './types';
import {
  asArray, asRecord, containersOf, findingAt, groupOf, kindOf, metadataOf, nameOf, namespaceOf, podTemplateOf, Universe,
} from './universe';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped input, read defensively */

const ESO_GROUP = 'external-secrets.io';
const FLUX_SOURCE_GROUP = 'source.toolkit.fluxcd.io';
const FLUX_KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';

/** Secrets that exist without being produced here: the Pulumi token is created once by hand. */
function isBootstrapSecret(namespace: string, name: string): boolean {
  return namespace === PULUMI_TOKEN_SECRET.namespace && name === PULUMI_TOKEN_SECRET.name;
}

/** Keys an ExternalSecret writes into its target, or undefined when they cannot be known statically. */
export function externalSecretKeys(externalSecret: ManifestObject): Set<string> | undefined {
  const spec = asRecord(externalSecret.manifest.spec);
  const template = asRecord(asRecord(spec?.target)?.template);
  // A template that only sets metadata (labels) keeps the fetched keys as they are (ESO falls back to
  // the provider's data when the template has no data and no templateFrom).
  const templatesData = template && (Object.keys(asRecord(template.data) ?? {}).length > 0 || asArray(template.templateFrom).length > 0);
  if (asArray(spec?.dataFrom).length > 0 || templatesData) return undefined;
  return new Set(asArray(spec?.data).map((entry) => asRecord(entry)?.secretKey).filter((key): key is string => typeof key === 'string'));
}

/** Secrets this universe produces, by `namespace/name`, with the keys they will hold. */
function producedSecrets(universe: Universe): Map<string, Set<string> | undefined> {
  const produced = new Map<string, Set<string> | undefined>();
  for (const externalSecret of universe.ofKind(ESO_GROUP, 'ExternalSecret')) {
    const target = asRecord(asRecord(externalSecret.manifest.spec)?.target);
    const name = typeof target?.name === 'string' ? target.name : nameOf(externalSecret);
    produced.set(`${namespaceOf(externalSecret)}/${name}`, externalSecretKeys(externalSecret));
  }
  for (const secret of universe.ofKind('', 'Secret')) produced.set(`${namespaceOf(secret)}/${nameOf(secret)}`, undefined);
  return produced;
}

interface Reference {
  readonly kind: 'Secret' | 'ConfigMap';
  readonly name: string;
  readonly key?: string;
  readonly path: PathSegment[];
}

/** Every Secret and ConfigMap a pod template needs to start (optional references excluded). */
function podReferences(object: ManifestObject): Reference[] {
  const template = podTemplateOf(object);
  if (!template) return [];
  const refs: Reference[] = [];
  const add = (kind: Reference['kind'], source: any, path: PathSegment[], nameField = 'name', key?: unknown) => {
    if (source?.optional === true || typeof source?.[nameField] !== 'string') return;
    refs.push({ kind, name: source[nameField], key: typeof key === 'string' ? key : undefined, path });
  };
  for (const { container, path } of containersOf(template)) {
    asArray(container.env).forEach((env, index) => {
      const valueFrom = asRecord(asRecord(env)?.valueFrom);
      const secretKeyRef = asRecord(valueFrom?.secretKeyRef);
      const configMapKeyRef = asRecord(valueFrom?.configMapKeyRef);
      if (secretKeyRef) add('Secret', secretKeyRef, [...path, 'env', index, 'valueFrom', 'secretKeyRef'], 'name', secretKeyRef.key);
      if (configMapKeyRef) add('ConfigMap', configMapKeyRef, [...path, 'env', index, 'valueFrom', 'configMapKeyRef'], 'name', configMapKeyRef.key);
    });
    asArray(container.envFrom).forEach((envFrom, index) => {
      add('Secret', asRecord(asRecord(envFrom)?.secretRef), [...path, 'envFrom', index, 'secretRef']);
      add('ConfigMap', asRecord(asRecord(envFrom)?.configMapRef), [...path, 'envFrom', index, 'configMapRef']);
    });
  }
  asArray(template.spec.volumes).forEach((volume, index) => {
    const path = [...template.specPath, 'volumes', index];
    add('Secret', asRecord(asRecord(volume)?.secret), [...path, 'secret'], 'secretName');
    add('ConfigMap', asRecord(asRecord(volume)?.configMap), [...path, 'configMap']);
    asArray(asRecord(asRecord(volume)?.projected)?.sources).forEach((source, sourceIndex) => {
      add('Secret', asRecord(asRecord(source)?.secret), [...path, 'projected', 'sources', sourceIndex, 'secret']);
      add('ConfigMap', asRecord(asRecord(source)?.configMap), [...path, 'projected', 'sources', sourceIndex, 'configMap']);
    });
  });
  asArray(template.spec.imagePullSecrets).forEach((pullSecret, index) => {
    add('Secret', asRecord(pullSecret), [...template.specPath, 'imagePullSecrets', index]);
  });
  return refs;
}

function secretReferences(object: ManifestObject, secrets: Map<string, Set<string> | undefined>): Finding[] {
  const namespace = namespaceOf(object);
  if (!namespace) return [];
  const findings: Finding[] = [];
  for (const ref of podReferences(object).filter((candidate) => candidate.kind === 'Secret')) {
    const key = `${namespace}/${ref.name}`;
    if (!secrets.has(key)) {
      if (isBootstrapSecret(namespace, ref.name)) continue;
      findings.push(findingAt('secret-reference', object, ref.path,
        `reads Secret ${key}, which nothing here produces: the pods would wait in CreateContainerConfigError`,
        `declare an ExternalSecret with target ${ref.name} in namespace ${namespace} (config secrets:), or fix the name`));
    } else {
      const keys = secrets.get(key);
      if (ref.key !== undefined && keys !== undefined && !keys.has(ref.key)) {
        findings.push(findingAt('secret-reference', object, [...ref.path, 'key'],
          `reads key ${ref.key} of Secret ${key}, whose ExternalSecret writes only ${[...keys].sort().join(', ') || 'no keys'}`,
          `add ${ref.key} to the ExternalSecret's data, or read one of its keys`));
      }
    }
  }
  return findings;
}

function configMapReferences(universe: Universe, object: ManifestObject): Finding[] {
  const namespace = namespaceOf(object);
  if (!namespace) return [];
  return podReferences(object)
    .filter((ref) => ref.kind === 'ConfigMap' && !universe.has('', 'ConfigMap', namespace, ref.name))
    .map((ref) => findingAt('config-map-reference', object, ref.path, `reads ConfigMap ${namespace}/${ref.name}, which is not declared`,
      `declare ConfigMap ${ref.name} in namespace ${namespace}, or fix the name`));
}

function serviceAccountReference(universe: Universe, object: ManifestObject): Finding[] {
  const namespace = namespaceOf(object);
  const template = podTemplateOf(object);
  if (!namespace || !template) return [];
  const serviceAccount = template.spec.serviceAccountName ?? template.spec.serviceAccount;
  if (typeof serviceAccount !== 'string' || serviceAccount === 'default' || universe.has('', 'ServiceAccount', namespace, serviceAccount)) return [];
  return [findingAt('service-account-reference', object, [...template.specPath, 'serviceAccountName'],
    `uses ServiceAccount ${namespace}/${serviceAccount}, which is not declared: the pods would never be created`,
    `declare ServiceAccount ${serviceAccount} in namespace ${namespace}`)];
}

/** Whether a ClusterSecretStore's `conditions` admit `namespace` (no conditions admit every namespace). */
function storeAdmits(store: ManifestObject, namespace: string, universe: Universe): boolean {
  const conditions = asArray(asRecord(store.manifest.spec)?.conditions).map(asRecord).filter(Boolean) as Array<Record<string, any>>;
  if (conditions.length === 0) return true;
  const namespaceLabels: Record<string, unknown> = asRecord(metadataOf(universe.namespace(namespace) ?? { manifest: {} }).labels) ?? {};
  return conditions.some((condition) => {
    if (asArray(condition.namespaces).includes(namespace)) return true;
    if (asArray(condition.namespaceRegexes).some((pattern) => {
      try {
        return new RegExp(String(pattern)).test(namespace);
      } catch {
        return false;
      }
    })) return true;
    const selector = asRecord(condition.namespaceSelector);
    if (!selector) return false;
    const matchLabels = asRecord(selector.matchLabels) ?? {};
    const labelsMatch = Object.entries(matchLabels).every(([key, value]) => namespaceLabels[key] === value);
    const expressionsMatch = asArray(selector.matchExpressions).every((expression) => {
      const { key, operator, values } = asRecord(expression) ?? {};
      const has = key in namespaceLabels;
      switch (operator) {
        case 'In': return has && asArray(values).includes(namespaceLabels[key]);
        case 'NotIn': return !has || !asArray(values).includes(namespaceLabels[key]);
        case 'Exists': return has;
        case 'DoesNotExist': return !has;
        default: return false;
      }
    });
    return (Object.keys(matchLabels).length > 0 || asArray(selector.matchExpressions).length > 0) && labelsMatch && expressionsMatch;
  });
}

/**
 * What is wrong with one store reference of an ExternalSecret: the store is not declared (`declared`),
 * or it is a ClusterSecretStore whose conditions leave the namespace out (`admits`).
 */
function checkStoreReference(universe: Universe, externalSecret: ManifestObject, ref: any, path: PathSegment[], problem: 'declared' | 'admits'): Finding[] {
  const namespace = namespaceOf(externalSecret);
  if (!namespace || typeof ref?.name !== 'string') return [];
  const kind = ref.kind ?? 'SecretStore';
  if (kind === 'ClusterSecretStore') {
    const store = universe.find(ESO_GROUP, 'ClusterSecretStore', undefined, ref.name)[0];
    if (!store) {
      return problem !== 'declared' ? [] : [findingAt('secret-store-reference', externalSecret, path, `uses ClusterSecretStore ${ref.name}, which is not declared`,
        'declare the store, or fix secretStoreRef')];
    }
    if (problem === 'admits' && !storeAdmits(store, namespace, universe)) {
      return [findingAt('secret-store-conditions', externalSecret, path,
        `ClusterSecretStore ${ref.name} does not admit namespace ${namespace} (its conditions leave it out): ESO would refuse to sync`,
        `add ${namespace} to the store's conditions (declare the secret in config, which does this)`)];
    }
    return [];
  }
  if (problem === 'declared' && kind === 'SecretStore' && !universe.has(ESO_GROUP, 'SecretStore', namespace, ref.name)) {
    return [findingAt('secret-store-reference', externalSecret, path, `uses SecretStore ${namespace}/${ref.name}, which is not declared`,
      'declare the store in the same namespace, or fix secretStoreRef')];
  }
  return [];
}

function checkExternalSecrets(universe: Universe, problem: 'declared' | 'admits'): Finding[] {
  const findings: Finding[] = [];
  for (const externalSecret of universe.ofKind(ESO_GROUP, 'ExternalSecret')) {
    const spec = asRecord(externalSecret.manifest.spec);
    if (spec?.secretStoreRef !== undefined) findings.push(...checkStoreReference(universe, externalSecret, asRecord(spec.secretStoreRef), ['spec', 'secretStoreRef'], problem));
    asArray(spec?.data).forEach((entry, index) => {
      const storeRef = asRecord(asRecord(asRecord(entry)?.sourceRef)?.storeRef);
      if (storeRef) findings.push(...checkStoreReference(universe, externalSecret, storeRef, ['spec', 'data', index, 'sourceRef', 'storeRef'], problem));
    });
    asArray(spec?.dataFrom).forEach((entry, index) => {
      const storeRef = asRecord(asRecord(asRecord(entry)?.sourceRef)?.storeRef);
      if (storeRef) findings.push(...checkStoreReference(universe, externalSecret, storeRef, ['spec', 'dataFrom', index, 'sourceRef', 'storeRef'], problem));
    });
  }
  return findings;
}

function checkHelmReleases(universe: Universe): Finding[] {
  const findings: Finding[] = [];
  for (const release of universe.ofKind('helm.toolkit.fluxcd.io', 'HelmRelease')) {
    const spec = asRecord(release.manifest.spec);
    const chartSource = asRecord(asRecord(asRecord(spec?.chart)?.spec)?.sourceRef);
    const [ref, path] = chartSource ? [chartSource, ['spec', 'chart', 'spec', 'sourceRef']] : [asRecord(spec?.chartRef), ['spec', 'chartRef']];
    if (!ref || typeof ref.name !== 'string' || typeof ref.kind !== 'string') continue;
    const namespace = typeof ref.namespace === 'string' ? ref.namespace : namespaceOf(release);
    const group = ref.kind === 'HelmChart' || ref.kind.endsWith('Repository') || ref.kind === 'Bucket' ? FLUX_SOURCE_GROUP : '';
    if (!universe.has(group, ref.kind, namespace, ref.name)) {
      findings.push(findingAt('flux-source-reference', release, path, `chart source ${ref.kind} ${namespace}/${ref.name} is not declared`,
        `declare the ${ref.kind}, or fix the sourceRef`));
    }
  }
  return findings;
}

function checkKustomizations(universe: Universe): Finding[] {
  const findings: Finding[] = [];
  const kustomizations = universe.ofKind(FLUX_KUSTOMIZE_GROUP, 'Kustomization');
  const id = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
  const edges = new Map<string, string[]>();
  for (const kustomization of kustomizations) {
    const namespace = namespaceOf(kustomization);
    const spec = asRecord(kustomization.manifest.spec);
    const dependencies: string[] = [];
    asArray(spec?.dependsOn).forEach((dependency, index) => {
      const ref = asRecord(dependency);
      if (typeof ref?.name !== 'string') return;
      const dependencyNamespace = typeof ref.namespace === 'string' ? ref.namespace : namespace;
      dependencies.push(id(dependencyNamespace, ref.name));
      if (!universe.has(FLUX_KUSTOMIZE_GROUP, 'Kustomization', dependencyNamespace, ref.name)) {
        findings.push(findingAt('flux-dependencies', kustomization, ['spec', 'dependsOn', index],
          `depends on Kustomization ${dependencyNamespace}/${ref.name}, which is not declared: this layer would never be applied`,
          'fix the name in dependsOn, or declare that layer'));
      }
    });
    edges.set(id(namespace, nameOf(kustomization)), dependencies);
    const source = asRecord(spec?.sourceRef);
    if (typeof source?.name === 'string' && typeof source.kind === 'string') {
      const sourceNamespace = typeof source.namespace === 'string' ? source.namespace : namespace;
      const bootstrapped = source.kind === 'GitRepository' && sourceNamespace === FLUX_SYSTEM_NAMESPACE && source.name === FLUX_BOOTSTRAP_SOURCE;
      if (!bootstrapped && !universe.has(FLUX_SOURCE_GROUP, source.kind, sourceNamespace, source.name)) {
        findings.push(findingAt('flux-source-reference', kustomization, ['spec', 'sourceRef'], `source ${source.kind} ${sourceNamespace}/${source.name} is not declared`,
          `declare it, or use the ${FLUX_BOOTSTRAP_SOURCE} GitRepository that flux bootstrap creates`));
      }
    }
  }
  // Depth-first search for cycles: Flux would wait on each member forever.
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (node: string, trail: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(node)), node];
      const key = [...cycle].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        const [namespace, name] = node.split('/');
        const object = universe.find(FLUX_KUSTOMIZE_GROUP, 'Kustomization', namespace || undefined, name)[0];
        if (object) {
          findings.push(findingAt('flux-dependencies', object, ['spec', 'dependsOn'], `dependsOn forms a cycle: ${cycle.join(' → ')}; none of these layers would ever be applied`,
            'remove one of the dependencies'));
        }
      }
      return;
    }
    state.set(node, 'visiting');
    for (const next of edges.get(node) ?? []) if (edges.has(next)) visit(next, [...trail, node]);
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) visit(node, []);
  return findings;
}

function checkNamespacesDeclared(universe: Universe): Finding[] {
  const findings: Finding[] = [];
  for (const object of universe.objects) {
    const namespace = namespaceOf(object);
    if (!namespace || universe.namespace(namespace) || (SYSTEM_NAMESPACES as readonly string[]).includes(namespace)) continue;
    findings.push(findingAt('namespace-declared', object, ['metadata', 'namespace'], `namespace ${namespace} is not declared: the apply would fail with "namespaces \\"${namespace}\\" not found"`,
      `declare Namespace ${namespace} (config namespaces:) or move the object`));
  }
  return findings;
}

function checkDuplicates(universe: Universe): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, ManifestObject>();
  for (const object of universe.objects) {
    if (!kindOf(object) || !nameOf(object)) continue;
    const key = `${groupOf(object)}|${kindOf(object)}|${namespaceOf(object) ?? ''}|${nameOf(object)}`;
    const first = seen.get(key);
    if (first) {
      const where = first.source ? ` (first in ${first.source.file}${first.source.line ? `:${first.source.line}` : ''})` : '';
      findings.push(findingAt('duplicate-object', object, ['metadata', 'name'], `another ${kindOf(object)} with this namespace and name is declared${where}: the second apply overwrites the first`,
        'rename one of them or delete the duplicate'));
    } else {
      seen.set(key, object);
    }
  }
  return findings;
}

export const secretReference: Rule = {
  id: 'secret-reference',
  group: 'house',
  description: 'Every Secret a pod template reads (env, envFrom, volumes, projected, image pull secrets) and every key it reads is produced here, by an ExternalSecret or a Secret in the same namespace.',
  check: ({ universe }) => {
    const secrets = producedSecrets(universe);
    return universe.objects.flatMap((object) => secretReferences(object, secrets));
  },
};

export const configMapReference: Rule = {
  id: 'config-map-reference',
  group: 'house',
  description: 'Every ConfigMap a pod template reads (not marked optional) is declared in the same namespace.',
  check: ({ universe }) => universe.objects.flatMap((object) => configMapReferences(universe, object)),
};

export const serviceAccountReferenceRule: Rule = {
  id: 'service-account-reference',
  group: 'house',
  description: 'Every ServiceAccount a pod template names (other than default) is declared in the same namespace.',
  check: ({ universe }) => universe.objects.flatMap((object) => serviceAccountReference(universe, object)),
};

export const secretStoreReference: Rule = {
  id: 'secret-store-reference',
  group: 'house',
  description: 'Every store an ExternalSecret names (SecretStore in its namespace, or ClusterSecretStore) is declared.',
  check: ({ universe }) => checkExternalSecrets(universe, 'declared'),
};

export const secretStoreConditions: Rule = {
  id: 'secret-store-conditions',
  group: 'admission',
  description: 'A declared ClusterSecretStore\'s conditions admit the namespace of every ExternalSecret that uses it (the External Secrets controller refuses to sync otherwise).',
  check: ({ universe }) => checkExternalSecrets(universe, 'admits'),
};

export const fluxSourceReference: Rule = {
  id: 'flux-source-reference',
  group: 'house',
  description: 'Every HelmRelease chart source and Kustomization sourceRef is declared (or is the flux-system GitRepository that flux bootstrap creates).',
  check: ({ universe }) => [...checkHelmReleases(universe), ...checkKustomizations(universe).filter((finding) => finding.rule === 'flux-source-reference')],
};

export const fluxDependencies: Rule = {
  id: 'flux-dependencies',
  group: 'house',
  description: 'Every Kustomization dependsOn names a declared Kustomization, and the dependencies form no cycle.',
  check: ({ universe }) => checkKustomizations(universe).filter((finding) => finding.rule === 'flux-dependencies'),
};

export const namespaceDeclared: Rule = {
  id: 'namespace-declared',
  group: 'house',
  description: 'Every namespace an object lives in is declared here, or is one every cluster has (default, kube-system, kube-public, kube-node-lease, flux-system).',
  check: ({ universe }) => checkNamespacesDeclared(universe),
};

export const duplicateObject: Rule = {
  id: 'duplicate-object',
  group: 'house',
  description: 'No two objects share API group, kind, namespace and name.',
  check: ({ universe }) => checkDuplicates(universe),
};
