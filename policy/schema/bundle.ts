/**
 * Builds the schema bundle (imports/schemas.json) from the vendored Kubernetes definitions of every
 * bundled version (lib/kubernetes-versions.ts) and the vendored CRDs.
 * Runs at import time only: parsing the ESO CRDs takes about a second, which synth must not pay.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { KUBERNETES_SCHEMA_VERSIONS, kubernetesDefinitionsFile } from '../../lib/kubernetes-versions';
import { REPO_ROOT } from '../../lib/paths';
import { celSkeleton } from '../cel/skeleton';
import { CLUSTER_SCOPED_BUILT_IN_KINDS, KindInfo, KindVersion, KubernetesSchemas, NON_MANIFEST_KINDS, SchemaBundle } from './kinds';
import { closeBuiltInSchema, closeCustomResourceSchema } from './structural';

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

function builtInKinds(definitions: Record<string, Definition>, source: string): KubernetesSchemas['kinds'] {
  const kinds: Record<string, Record<string, { scope: KindInfo['scope']; source: string; versions: Record<string, KindVersion> }>> = {};
  for (const [definitionName, definition] of Object.entries(definitions)) {
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      if (gvk.kind.endsWith('List') || NON_MANIFEST_KINDS.has(gvk.kind)) continue;
      const group = (kinds[gvk.group] ??= {});
      const info = (group[gvk.kind] ??= {
        scope: CLUSTER_SCOPED_BUILT_IN_KINDS.has(gvk.kind) ? 'Cluster' : 'Namespaced',
        source,
        versions: {},
      });
      info.versions[gvk.version] = { served: true, schema: { $ref: `#/definitions/${definitionName}` } };
    }
  }
  return kinds;
}

/** Closed schemas of every built-in kind of every bundled Kubernetes version, and of every version of the given CRD files. */
export function buildSchemaBundle(crdFiles: readonly string[]): SchemaBundle {
  const definitions: Record<string, unknown> = {};
  const serialized = new Map<string, string>();
  const keysOf = new Map<string, string[]>();
  const kubernetes: Record<string, KubernetesSchemas> = {};
  // Newest first: the plain name holds the newest variant, older versions point at theirs.
  for (const version of [...KUBERNETES_SCHEMA_VERSIONS].reverse()) {
    const source = kubernetesDefinitionsFile(version);
    const raw = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, source), 'utf8')).definitions as Record<string, Definition>;
    const variants: Record<string, string> = {};
    for (const [name, schema] of Object.entries(raw)) {
      const closed = closeBuiltInSchema(schema);
      const text = JSON.stringify(closed);
      if (!(name in definitions)) {
        definitions[name] = closed;
        serialized.set(name, text);
        keysOf.set(name, [name]);
        continue;
      }
      const existing = keysOf.get(name)!.find((key) => serialized.get(key) === text);
      if (existing === name) continue;
      const key = existing ?? `${name}@${version}`;
      if (!existing) {
        definitions[key] = closed;
        serialized.set(key, text);
        keysOf.get(name)!.push(key);
      }
      variants[name] = key;
    }
    kubernetes[version] = { source, variants, kinds: builtInKinds(raw, source) };
  }
  const crds: Record<string, Record<string, KindInfo>> = {};
  for (const file of crdFiles) {
    const crd = readCrd(file);
    const versions = Object.fromEntries(crd.spec.versions.map((version): [string, KindVersion] => {
      if (!version.served) return [version.name, { served: false }];
      const cel = celSkeleton(version.schema?.openAPIV3Schema);
      return [version.name, { served: true, schema: closeCustomResourceSchema(version.schema?.openAPIV3Schema ?? {}), ...(cel === undefined ? {} : { cel }) }];
    }));
    (crds[crd.spec.group] ??= {})[crd.spec.names.kind] = { scope: crd.spec.scope, source: file, versions };
  }
  const ordered = Object.fromEntries(Object.keys(kubernetes).sort().map((version) => [version, kubernetes[version]]));
  return { definitions, kubernetes: ordered, crds };
}
