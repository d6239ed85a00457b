/**
 * What Flux will change in each cluster if the freshly synthesized tree is pushed: objects added,
 * removed and changed (with a field-level diff), grouped by cluster and layer, and warnings for the
 * removals Flux acts on. Compared per object (group, kind, namespace, name), not per file, so a
 * renamed file is no change and a moved object is reported where it matters.
 */
import diff from 'microdiff';
import { FLUX_PRUNE_ANNOTATION, FLUX_PRUNE_DISABLED } from '../lib/constants';
import { formatFieldPath, PathSegment } from '../lib/field-path';
import {
  CLUSTER_ENTRY, folderOfKustomizationPath, folderRank, KUSTOMIZATION_FILE, placeOf,
} from '../lib/layout';
import { FLUX_DIR } from '../lib/paths';
import { ManifestTextParser } from './manifest-files';
import { inspectTree } from './tree-writer';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface FieldChange {
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface ObjectChange {
  readonly change: ChangeKind;
  readonly cluster: string;
  /** `controllers`, `configs`, `network`, `apps`, or `cluster` for the Kustomizations themselves. */
  readonly layer: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly file: string;
  readonly fields: readonly FieldChange[];
  readonly warnings: readonly string[];
  /** Set for an object a HelmRelease renders (`HelmRelease apps/x`): it is in the cluster, not in flux/. */
  readonly renderedBy?: string;
}

export interface Plan {
  readonly changes: readonly ObjectChange[];
}

interface PlacedObject {
  readonly manifest: Record<string, unknown>;
  readonly cluster: string;
  readonly layer: string;
  readonly file: string;
}

function identity(object: PlacedObject): string {
  const { apiVersion, kind, metadata } = object.manifest as { apiVersion?: string; kind?: string; metadata?: { namespace?: string; name?: string } };
  const group = (apiVersion ?? '').includes('/') ? (apiVersion ?? '').split('/')[0] : '';
  return [object.cluster, group, kind, metadata?.namespace ?? '', metadata?.name ?? ''].join('|');
}

function placeAll(files: ReadonlyMap<string, string>, parser: ManifestTextParser): Map<string, PlacedObject> {
  const placed = new Map<string, PlacedObject>();
  for (const [file, text] of files) {
    const place = placeOf(file);
    if (!place) continue;
    for (const { manifest } of parser.parse(`${FLUX_DIR}/${file}`, text).objects) {
      const object = { manifest: manifest as Record<string, unknown>, cluster: place.cluster, layer: place.folder, file };
      placed.set(identity(object), object);
    }
  }
  return placed;
}

/** The files synth wrote in a committed tree (what it owns), keyed by path relative to it. */
export function readGeneratedFiles(fluxDir: string): Map<string, string> {
  return new Map(inspectTree(fluxDir).owned);
}

function pruneDisabled(manifest: Record<string, unknown>): boolean {
  const metadata = (manifest.metadata ?? {}) as { annotations?: Record<string, unknown>; labels?: Record<string, unknown> };
  return metadata.annotations?.[FLUX_PRUNE_ANNOTATION] === FLUX_PRUNE_DISABLED || metadata.labels?.[FLUX_PRUNE_ANNOTATION] === FLUX_PRUNE_DISABLED;
}

/** Whether the Kustomization applying `layer` of `cluster` prunes (in the new tree, else the old one). */
function layerPrunes(cluster: string, layer: string, trees: ReadonlyArray<Map<string, PlacedObject>>): boolean {
  // Kustomizations in clusters/<cluster> are applied by the flux-system Kustomization, which prunes.
  if (layer === CLUSTER_ENTRY) return true;
  for (const tree of trees) {
    for (const object of tree.values()) {
      const spec = object.manifest.spec as { path?: string; prune?: boolean } | undefined;
      if (object.layer !== CLUSTER_ENTRY || object.manifest.kind !== 'Kustomization' || typeof spec?.path !== 'string') continue;
      const folder = folderOfKustomizationPath(spec.path);
      const target = folder === undefined ? undefined : placeOf(`${folder}/${KUSTOMIZATION_FILE}`);
      if (target?.cluster === cluster && target.folder === layer) return spec.prune === true;
    }
  }
  return true;
}

function removalWarnings(object: PlacedObject, trees: ReadonlyArray<Map<string, PlacedObject>>): string[] {
  const kind = String(object.manifest.kind);
  const keep = pruneDisabled(object.manifest);
  if (!layerPrunes(object.cluster, object.layer, trees)) return ['the layer does not prune: Flux leaves the object in the cluster'];
  if (keep) return [`annotated ${FLUX_PRUNE_ANNOTATION}: ${FLUX_PRUNE_DISABLED}: Flux leaves it in the cluster; delete it by hand if that is the intent`];
  const warnings = ['Flux will delete it from the cluster (prune)'];
  if (kind === 'Namespace') warnings.push('deleting a Namespace deletes every object in it');
  if (kind === 'CustomResourceDefinition') warnings.push('deleting a CRD deletes every custom resource of its kind');
  if (kind === 'PersistentVolumeClaim') warnings.push('deleting a PersistentVolumeClaim can delete its volume and data');
  if (kind === 'Kustomization' && object.layer === CLUSTER_ENTRY) warnings.push('Flux also deletes every object this layer applied (except those with prune disabled)');
  return warnings;
}

/**
 * Compares the committed generated files with a new set of files (both keyed relative to flux/).
 * `parser` may be shared with the command's other reads of the same files.
 */
export function planChanges(committed: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>,
  parser = new ManifestTextParser()): Plan {
  const before = placeAll(committed, parser);
  const after = placeAll(next, parser);
  const changes: ObjectChange[] = [];
  const describe = (object: PlacedObject) => {
    const metadata = (object.manifest.metadata ?? {}) as { namespace?: string; name?: string };
    return {
      cluster: object.cluster, layer: object.layer, file: object.file,
      kind: String(object.manifest.kind), namespace: metadata.namespace, name: String(metadata.name),
    };
  };
  for (const [key, object] of after) {
    const old = before.get(key);
    if (!old) {
      changes.push({ change: 'added', ...describe(object), fields: [], warnings: [] });
      continue;
    }
    const fields = fieldChanges(old.manifest, object.manifest);
    const moved = old.layer !== object.layer
      ? [`moves from layer ${old.layer} to ${object.layer}: if ${old.layer} reconciles before ${object.layer} takes it over, Flux prunes it and re-creates it`]
      : [];
    if (fields.length > 0 || moved.length > 0) changes.push({ change: 'changed', ...describe(object), fields, warnings: moved });
  }
  for (const [key, object] of before) {
    if (!after.has(key)) changes.push({ change: 'removed', ...describe(object), fields: [], warnings: removalWarnings(object, [after, before]) });
  }
  return { changes: sortChanges(changes) };
}

/** Field-level differences between two versions of one object. */
export function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>): FieldChange[] {
  return diff(before, after).map((entry): FieldChange => ({
    path: formatFieldPath(entry.path as PathSegment[]),
    kind: entry.type === 'CREATE' ? 'added' : entry.type === 'REMOVE' ? 'removed' : 'changed',
    before: 'oldValue' in entry ? entry.oldValue : undefined,
    after: 'value' in entry ? entry.value : undefined,
  }));
}

/** Plan order: cluster, layer in apply order, then the tree's objects before what HelmReleases render, kind, namespace, name. */
export function sortChanges(changes: readonly ObjectChange[]): ObjectChange[] {
  return [...changes].sort((a, b) => a.cluster.localeCompare(b.cluster) || folderRank(a.layer) - folderRank(b.layer) || a.layer.localeCompare(b.layer)
    || (a.renderedBy ?? '').localeCompare(b.renderedBy ?? '')
    || a.kind.localeCompare(b.kind) || (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name));
}
