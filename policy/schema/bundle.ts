/**
 * Builds the schema bundle (imports/schemas.json) from the vendored Kubernetes definitions and CRDs.
 * Runs at import time only: parsing the ESO CRDs takes about a second, which synth must not pay.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { REPO_ROOT } from '../../lib/paths';
import { CLUSTER_SCOPED_BUILT_IN_KINDS, KindInfo, KindVersion, NON_MANIFEST_KINDS, SchemaBundle } from './kinds';
import { closeBuiltInSchema, closeCustomResourceSchema } from './structural';

/** The vendored Kubernetes 1.28 schema (cdk8s-team/cdk8s kubernetes-schemas/v1.28.0). */
export const K8S_DEFINITIONS_FILE = 'imports/k8s-1.28/_definitions.json';

interface CrdVersion {
  name: string;
  served: boolean;
  schema?: { openAPIV3Schema?: unknown };
}

export interface Crd {
  kind: string;
  spec: { group: string; scope: KindInfo['scope']; names: { kind: string }; versions: CrdVersion[] };
}

interface Definition {
  'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
}

/** Reads one vendored CRD file (path relative to the repo root). */
export function readCrd(file: string): Crd {
  const crd = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8')) as Crd;
  if (crd?.kind !== 'CustomResourceDefinition') throw new Error(`${file}: expected one CustomResourceDefinition`);
  return crd;
}

function builtInKinds(definitions: Record<string, Definition>): Record<string, Record<string, KindInfo>> {
  const kinds: Record<string, Record<string, { scope: KindInfo['scope']; source: string; versions: Record<string, KindVersion> }>> = {};
  for (const [definitionName, definition] of Object.entries(definitions)) {
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      if (gvk.kind.endsWith('List') || NON_MANIFEST_KINDS.has(gvk.kind)) continue;
      const group = (kinds[gvk.group] ??= {});
      const info = (group[gvk.kind] ??= {
        scope: CLUSTER_SCOPED_BUILT_IN_KINDS.has(gvk.kind) ? 'Cluster' : 'Namespaced',
        source: K8S_DEFINITIONS_FILE,
        versions: {},
      });
      info.versions[gvk.version] = { served: true, schema: { $ref: `#/definitions/${definitionName}` } };
    }
  }
  return kinds;
}

/** Closed schemas of every built-in kind and of every version of the given CRD files. */
export function buildSchemaBundle(crdFiles: readonly string[]): SchemaBundle {
  const raw = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, K8S_DEFINITIONS_FILE), 'utf8')).definitions as Record<string, Definition>;
  const definitions = Object.fromEntries(Object.entries(raw).map(([name, schema]) => [name, closeBuiltInSchema(schema)]));
  const kinds = builtInKinds(raw);
  for (const file of crdFiles) {
    const crd = readCrd(file);
    const versions = Object.fromEntries(crd.spec.versions.map((version): [string, KindVersion] => [
      version.name,
      version.served ? { served: true, schema: closeCustomResourceSchema(version.schema?.openAPIV3Schema ?? {}) } : { served: false },
    ]));
    (kinds[crd.spec.group] ??= {})[crd.spec.names.kind] = { scope: crd.spec.scope, source: file, versions };
  }
  return { definitions, kinds };
}
