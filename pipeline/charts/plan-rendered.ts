/**
 * The plan for what HelmReleases render: the committed tree's HelmReleases and the new tree's are
 * both rendered (the cache makes unchanged ones free), and their objects compared like the tree's,
 * so a chart upgrade or a values edit shows which rendered objects and fields change in the cluster.
 */
import { FLUX_DIR } from '../../lib/paths';
import { placeOf } from '../../lib/layout';
import { ManifestObject, SchemaRegistry, formatFinding } from '../../policy';
import { groupOf, kindOf, nameOf, namespaceOf } from '../../policy/universe';
import { ManifestTextParser } from '../manifest-files';
import { fieldChanges, ObjectChange } from '../plan';
import { ChartSources } from './gate';
import { RenderedRelease, renderHelmReleases } from './render';

export interface CommittedRenders {
  readonly releases: ReadonlyMap<string, readonly RenderedRelease[]>;
  /** Committed HelmReleases that cannot be rendered any more (their chart archive is gone, say). */
  readonly problems: readonly string[];
}

/**
 * Renders the HelmReleases of the committed tree (files keyed relative to flux/), per cluster, with
 * each cluster's current Kubernetes version.
 */
export function renderCommitted(files: ReadonlyMap<string, string>, kubernetesVersions: ReadonlyMap<string, string>,
  schemas: SchemaRegistry, sources: ChartSources, parser = new ManifestTextParser()): CommittedRenders {
  const byCluster = new Map<string, ManifestObject[]>();
  for (const [file, text] of files) {
    const place = placeOf(file);
    if (!place) continue;
    const objects = byCluster.get(place.cluster) ?? [];
    objects.push(...parser.parse(`${FLUX_DIR}/${file}`, text).objects);
    byCluster.set(place.cluster, objects);
  }
  const releases = new Map<string, readonly RenderedRelease[]>();
  const problems: string[] = [];
  for (const [cluster, objects] of byCluster) {
    const kubernetesVersion = kubernetesVersions.get(cluster);
    if (!kubernetesVersion) continue;
    const rendered = renderHelmReleases({ objects, kubernetesVersion, schemas, ...sources });
    releases.set(cluster, rendered.releases);
    problems.push(...rendered.findings.map((finding) => `committed ${formatFinding(finding, cluster).split('\n')[0]}`));
  }
  return { releases, problems };
}

/**
 * A rendered Secret's values are the chart's own (often random per render, like a Django key that
 * the chart generates when no Secret exists yet): a plan never prints them, and only keys count.
 */
function comparable(object: ManifestObject): Record<string, unknown> {
  const manifest = object.manifest as Record<string, unknown>;
  if (kindOf(object) !== 'Secret' || groupOf(object) !== '') return manifest;
  const hide = (data: unknown) => (data && typeof data === 'object' ? Object.fromEntries(Object.keys(data).map((key) => [key, '(hidden)'])) : data);
  return { ...manifest, ...('data' in manifest ? { data: hide(manifest.data) } : {}), ...('stringData' in manifest ? { stringData: hide(manifest.stringData) } : {}) };
}

interface PlacedRendered {
  readonly cluster: string;
  readonly release: RenderedRelease;
  readonly object: ManifestObject;
}

function layerOf(release: RenderedRelease): string {
  const file = release.release.source?.file ?? '';
  return placeOf(file.startsWith(`${FLUX_DIR}/`) ? file.slice(FLUX_DIR.length + 1) : file)?.folder ?? 'apps';
}

function placeAll(releases: ReadonlyMap<string, readonly RenderedRelease[]>): Map<string, PlacedRendered> {
  const placed = new Map<string, PlacedRendered>();
  for (const [cluster, list] of releases) {
    for (const release of list) {
      for (const object of release.objects) {
        placed.set([cluster, release.label, groupOf(object), kindOf(object), namespaceOf(object) ?? '', nameOf(object)].join('|'), { cluster, release, object });
      }
    }
  }
  return placed;
}

/** Changes of rendered objects between two renders of the same clusters. */
export function planRendered(before: ReadonlyMap<string, readonly RenderedRelease[]>, after: ReadonlyMap<string, readonly RenderedRelease[]>): ObjectChange[] {
  const old = placeAll(before);
  const next = placeAll(after);
  const describe = ({ cluster, release, object }: PlacedRendered) => ({
    cluster, layer: layerOf(release), renderedBy: release.label, file: `chart ${release.chart.chart} ${release.chart.version}`,
    kind: kindOf(object), namespace: namespaceOf(object), name: nameOf(object),
  });
  const changes: ObjectChange[] = [];
  for (const [key, placed] of next) {
    const previous = old.get(key);
    if (!previous) {
      changes.push({ change: 'added', ...describe(placed), fields: [], warnings: [] });
      continue;
    }
    const fields = fieldChanges(comparable(previous.object), comparable(placed.object));
    if (fields.length > 0) changes.push({ change: 'changed', ...describe(placed), fields, warnings: [] });
  }
  for (const [key, placed] of old) {
    if (next.has(key)) continue;
    const warnings = ['helm-controller deletes it from the cluster on the next upgrade'];
    if (kindOf(placed.object) === 'PersistentVolumeClaim') warnings.push('deleting a PersistentVolumeClaim can delete its volume and data');
    changes.push({ change: 'removed', ...describe(placed), fields: [], warnings });
  }
  return changes;
}
