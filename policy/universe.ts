/**
 * The universe a gate run sees: every object of one cluster (or of the files given to `npm run
 * check`), indexed the way the checks look things up. Namespaces among them supply Pod Security
 * labels, ExternalSecrets supply Secrets, CRDs supply kinds.
 */
import { formatFieldPath, PathSegment } from '../lib/field-path';
import { parseApiVersion } from './schema/kinds';
import { Finding, ManifestObject, ObjectRef } from './types';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped input, read defensively */

export function asRecord(value: unknown): Record<string, any> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, any>) : undefined;
}

export function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

export function kindOf(object: ManifestObject): string {
  return typeof object.manifest.kind === 'string' ? object.manifest.kind : '';
}

export function groupOf(object: ManifestObject): string {
  return typeof object.manifest.apiVersion === 'string' ? parseApiVersion(object.manifest.apiVersion).group : '';
}

export function metadataOf(object: ManifestObject): Record<string, any> {
  return asRecord(object.manifest.metadata) ?? {};
}

export function nameOf(object: ManifestObject): string {
  const name = metadataOf(object).name;
  return typeof name === 'string' ? name : '';
}

export function namespaceOf(object: ManifestObject): string | undefined {
  const namespace = metadataOf(object).namespace;
  return typeof namespace === 'string' && namespace !== '' ? namespace : undefined;
}

export function refOf(object: ManifestObject): ObjectRef {
  return { kind: kindOf(object) || '(no kind)', namespace: namespaceOf(object), name: nameOf(object) || '(no name)' };
}

/** A pod template inside a workload, with the path of its spec. */
export interface PodTemplate {
  readonly metadata: Record<string, any>;
  readonly spec: Record<string, any>;
  readonly specPath: readonly PathSegment[];
}

const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  PodTemplate: ['template'],
  ReplicationController: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The pod template of a workload (or the pod itself), if the object has one. */
export function podTemplateOf(object: ManifestObject): PodTemplate | undefined {
  const templatePath = TEMPLATE_PATHS[kindOf(object)];
  if (!templatePath || !['', 'apps', 'batch'].includes(groupOf(object))) return undefined;
  let holder: any = object.manifest;
  for (const key of templatePath) holder = asRecord(holder?.[key]);
  const spec = asRecord(holder?.spec);
  if (!spec) return undefined;
  return { metadata: asRecord(holder.metadata) ?? {}, spec, specPath: [...templatePath, 'spec'] };
}

/** Every container of a pod spec with its path: init containers, containers, ephemeral containers. */
export function containersOf(template: PodTemplate): Array<{ container: Record<string, any>; path: PathSegment[] }> {
  const out: Array<{ container: Record<string, any>; path: PathSegment[] }> = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    asArray(template.spec[field]).forEach((container, index) => {
      const record = asRecord(container);
      if (record) out.push({ container: record, path: [...template.specPath, field, index] });
    });
  }
  return out;
}

export class Universe {
  private readonly byKey = new Map<string, ManifestObject[]>();

  constructor(readonly objects: readonly ManifestObject[]) {
    for (const object of objects) {
      const key = Universe.key(groupOf(object), kindOf(object), namespaceOf(object), nameOf(object));
      const list = this.byKey.get(key) ?? [];
      list.push(object);
      this.byKey.set(key, list);
    }
  }

  private static key(group: string, kind: string, namespace: string | undefined, name: string): string {
    return `${group}|${kind}|${namespace ?? ''}|${name}`;
  }

  /** Objects with this group, kind, namespace (undefined for cluster-scoped) and name. */
  find(group: string, kind: string, namespace: string | undefined, name: string): readonly ManifestObject[] {
    return this.byKey.get(Universe.key(group, kind, namespace, name)) ?? [];
  }

  has(group: string, kind: string, namespace: string | undefined, name: string): boolean {
    return this.find(group, kind, namespace, name).length > 0;
  }

  /** Every object of a kind. */
  ofKind(group: string, kind: string): ManifestObject[] {
    return this.objects.filter((object) => kindOf(object) === kind && groupOf(object) === group);
  }

  namespace(name: string): ManifestObject | undefined {
    return this.find('', 'Namespace', undefined, name)[0];
  }
}

/** Builds a finding of `rule` about `object`, resolving the field path to a line when the source can. */
export function findingAt(rule: string, object: ManifestObject, path: readonly PathSegment[], message: string, fix: string): Finding {
  const line = object.source?.locate?.(path) ?? object.source?.line;
  return {
    rule,
    object: refOf(object),
    source: object.source ? { file: object.source.file, line, ...(object.source.renderedBy ? { renderedBy: object.source.renderedBy } : {}) } : undefined,
    path: path.length > 0 ? formatFieldPath(path) : undefined,
    message,
    fix,
  };
}
