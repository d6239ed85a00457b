/**
 * Gate check: every object against the schema of its kind (vendored CRDs, the bundled Kubernetes
 * schema of the cluster's version, or a CRD among the checked files), with unknown fields refused,
 * plus the API server's rules for names, labels, annotations and namespaces.
 */
import { PathSegment } from '../../lib/field-path';
import { dnsLabelProblem, dnsSubdomainProblem, labelValueProblem, qualifiedNameProblem } from '../../lib/kubernetes-names';
import { GateContext, Rule, RuleGroup } from '../rule';
import { Finding, ManifestObject } from '../types';
import { asArray, asRecord, findingAt, kindOf, metadataOf, Universe } from '../universe';
import { closeCustomResourceSchema } from './structural';
import { parseApiVersion, Scope } from './kinds';
import { VersionedSchemas } from './validator';

export { SchemaRegistry } from './validator';
export type { VersionedSchemas } from './validator';

/** Kinds whose names need only be valid path segments (RBAC allows `system:...`). */
const PATH_SEGMENT_NAMED_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
/** Kinds whose names become DNS labels. */
const DNS_LABEL_NAMED_KINDS = new Set(['Namespace', 'Service']);
/** The API server's limit on all annotations of one object together. */
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

interface KindSource {
  readonly scope: Scope;
  readonly served: readonly string[];
  readonly all: readonly string[];
  readonly source: string;
  readonly validate: (version: string, object: unknown) => ReturnType<VersionedSchemas['validate']>;
}

/** Kinds defined by CustomResourceDefinitions among the checked objects, keyed `group|kind`. */
function crdKinds(universe: Universe, registry: VersionedSchemas): Map<string, KindSource> {
  const kinds = new Map<string, KindSource>();
  for (const crd of universe.ofKind('apiextensions.k8s.io', 'CustomResourceDefinition')) {
    const spec = asRecord(crd.manifest.spec);
    const group = spec?.group;
    const kind = asRecord(spec?.names)?.kind;
    if (typeof group !== 'string' || typeof kind !== 'string') continue;
    const versions = asArray(spec?.versions).map(asRecord).filter((version): version is Record<string, unknown> => !!version);
    const schemas = new Map(versions.map((version) => [String(version.name), asRecord(asRecord(version.schema)?.openAPIV3Schema)]));
    kinds.set(`${group}|${kind}`, {
      scope: spec?.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
      served: versions.filter((version) => version.served === true).map((version) => String(version.name)),
      all: versions.map((version) => String(version.name)),
      source: crd.source?.file ?? `CustomResourceDefinition ${String(metadataOf(crd).name)}`,
      validate: (version, object) => registry.validateWith(closeCustomResourceSchema(schemas.get(version) ?? {}), object),
    });
  }
  return kinds;
}

function bundleKind(registry: VersionedSchemas, group: string, kind: string): KindSource | undefined {
  const info = registry.kind(group, kind);
  if (!info) return undefined;
  const versions = Object.entries(info.versions);
  return {
    scope: info.scope,
    served: versions.filter(([, version]) => version.served).map(([name]) => name),
    all: versions.map(([name]) => name),
    source: info.source,
    validate: (version, object) => registry.validate(group, version, kind, object),
  };
}

function checkMetadata(object: ManifestObject, scope: Scope): Finding[] {
  const findings: Finding[] = [];
  const at = (rule: string, path: PathSegment[], message: string, fix: string) => findings.push(findingAt(rule, object, path, message, fix));
  const metadata = metadataOf(object);
  const kind = kindOf(object);
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') {
    at('metadata-name', ['metadata'], 'metadata.name is missing: GitOps objects need a stable name (generateName creates a new object on every apply)', 'set metadata.name');
  } else {
    const problem = PATH_SEGMENT_NAMED_KINDS.has(kind)
      ? (/[/%]/.test(name) || name === '.' || name === '..' ? 'may not contain "/" or "%" and may not be "." or ".."' : undefined)
      : DNS_LABEL_NAMED_KINDS.has(kind) ? dnsLabelProblem(name) : dnsSubdomainProblem(name);
    if (problem) at('metadata-name', ['metadata', 'name'], `name ${JSON.stringify(name)} ${problem}`, 'rename the object');
  }
  const namespace = metadata.namespace;
  if (scope === 'Namespaced' && (typeof namespace !== 'string' || namespace === '')) {
    at('namespace-stated', ['metadata'], `${kind} is namespaced but has no metadata.namespace: it would land in whatever namespace the applier defaults to`,
      'set metadata.namespace');
  } else if (scope === 'Namespaced') {
    const problem = dnsLabelProblem(String(namespace));
    if (problem) at('metadata-namespace', ['metadata', 'namespace'], `namespace ${JSON.stringify(namespace)} ${problem}`, 'use a valid namespace name');
  } else if (namespace !== undefined) {
    at('metadata-namespace', ['metadata', 'namespace'], `${kind} is cluster-scoped and cannot have a namespace`, 'remove metadata.namespace');
  }
  for (const [key, value] of Object.entries(asRecord(metadata.labels) ?? {})) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) at('metadata-labels', ['metadata', 'labels', key], `label key ${JSON.stringify(key)}: ${keyProblem}`, 'fix the label key');
    const valueProblem = typeof value === 'string' ? labelValueProblem(value) : 'must be a string';
    if (valueProblem) at('metadata-labels', ['metadata', 'labels', key], `label value ${JSON.stringify(value)}: ${valueProblem}`, 'fix the label value (quote numbers and booleans)');
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(asRecord(metadata.annotations) ?? {})) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) at('metadata-labels', ['metadata', 'annotations', key], `annotation key ${JSON.stringify(key)}: ${keyProblem}`, 'fix the annotation key');
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (annotationBytes > MAX_ANNOTATIONS_BYTES) {
    at('metadata-labels', ['metadata', 'annotations'], `annotations total ${annotationBytes} bytes, over the API server's limit of ${MAX_ANNOTATIONS_BYTES}`, 'move the data elsewhere');
  }
  return findings;
}

export function checkSchemas(universe: Universe, registry: VersionedSchemas): Finding[] {
  const findings: Finding[] = [];
  const fromCrds = crdKinds(universe, registry);
  for (const object of universe.objects) {
    const { apiVersion, kind } = object.manifest;
    if (typeof apiVersion !== 'string' || apiVersion === '' || typeof kind !== 'string' || kind === '') {
      findings.push(findingAt('schema-kind', object, [], 'not a Kubernetes object: apiVersion and kind are required', 'add apiVersion and kind'));
      continue;
    }
    const { group, version } = parseApiVersion(apiVersion);
    const known = fromCrds.get(`${group}|${kind}`) ?? bundleKind(registry, group, kind);
    if (!known) {
      findings.push(findingAt('schema-kind', object, ['kind'],
        `no schema for ${kind} in ${group === '' ? 'the core group' : group} at Kubernetes ${registry.kubernetesVersion}: the API server would answer "no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}"`,
        'fix apiVersion/kind, or vendor the CRD that defines it into imports/crds and run npm run import (or pass the CRD file to npm run check)'));
      continue;
    }
    if (!known.served.includes(version)) {
      const state = known.all.includes(version) ? 'is no longer served' : 'does not exist';
      findings.push(findingAt('schema-api-version', object, ['apiVersion'], `${apiVersion} ${kind} ${state} (${known.source} serves ${known.served.join(', ')})`,
        `use apiVersion ${group === '' ? '' : `${group}/`}${known.served[known.served.length - 1]}`));
      continue;
    }
    for (const issue of known.validate(version, object.manifest)) {
      const unknownField = issue.message.startsWith('unknown field');
      findings.push(findingAt(unknownField ? 'schema-unknown-field' : 'schema-invalid-value', object, issue.path, issue.message,
        unknownField ? 'remove the field or correct its name' : `fix the value to match the ${kind} schema`));
    }
    findings.push(...checkMetadata(object, known.scope));
  }
  return findings;
}

/** One validation pass per gate run, shared by the rules below (each keeps its own findings). */
const schemaPasses = new WeakMap<GateContext, Finding[]>();
function schemaFindings(context: GateContext, rule: string): Finding[] {
  let findings = schemaPasses.get(context);
  if (!findings) {
    findings = checkSchemas(context.universe, context.schemas);
    schemaPasses.set(context, findings);
  }
  return findings.filter((finding) => finding.rule === rule);
}

const schemaRule = (id: string, group: RuleGroup, description: string): Rule => ({ id, group, description, check: (context) => schemaFindings(context, id) });

export const schemaKind = schemaRule('schema-kind', 'admission',
  'apiVersion and kind name a kind the gate knows: built in, from a vendored CRD, or from a CRD among the checked files (the API server answers "no matches for kind" otherwise).');
export const schemaApiVersion = schemaRule('schema-api-version', 'admission',
  'The API version is one the kind\'s CRD (or the API server) still serves.');
export const schemaUnknownField = schemaRule('schema-unknown-field', 'admission',
  'No field the kind\'s schema does not define (the API server drops it, or refuses it under strict field validation).');
export const schemaInvalidValue = schemaRule('schema-invalid-value', 'admission',
  'Every value matches the kind\'s schema: types, enums, patterns, required fields.');
export const metadataName = schemaRule('metadata-name', 'admission',
  'metadata.name is set and valid for the kind (DNS subdomain, DNS label or path segment).');
export const metadataNamespace = schemaRule('metadata-namespace', 'admission',
  'metadata.namespace is a valid namespace name, and cluster-scoped kinds have none (the API server would ignore it).');
export const metadataLabels = schemaRule('metadata-labels', 'admission',
  'Label keys and values and annotation keys are in Kubernetes syntax, and annotations total at most 256 KiB.');
export const namespaceStated = schemaRule('namespace-stated', 'house',
  'Every namespaced object states metadata.namespace, rather than landing wherever the applier defaults to.');
