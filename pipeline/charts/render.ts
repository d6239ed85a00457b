/**
 * Renders every HelmRelease among a set of objects the way helm-controller would install it, offline:
 * the chart and exact version from its source (a verified archive of the chart store), the release
 * name and namespace helm-controller uses, `spec.values` merged with `valuesFrom`, the cluster's
 * Kubernetes version, every API version the cluster will serve, the chart's CRDs per the release's
 * CRD policy. The rendered objects come back as gate input, as the API server would receive them:
 * namespaced objects without a namespace in the release namespace, fields set to null dropped.
 *
 * What cannot be known offline is said, never guessed: a `valuesFrom` key of a Secret that an
 * ExternalSecret fills from ESC is rendered as a visible placeholder, and reported as a note.
 */
import { spawnSync } from 'node:child_process';
import * as YAML from 'yaml';
import { PathSegment } from '../../lib/field-path';
import {
  chartCrdsApplied, composeValues, DEFAULT_VALUES_KEY, helmReleaseName, helmReleaseNamespace, ResolvedValuesReference, valuesPlaceholder,
} from '../../lib/helm';
import { chartValuesHint } from '../../lib/chart-hints';
import { Finding, GateNote, HELM_RENDER_RULE, HELM_VALUES_REFERENCE_RULE, ManifestObject, SchemaRegistry } from '../../policy';
import { externalSecretKeys } from '../../policy/references';
import { asArray, asRecord, findingAt, groupOf, kindOf, metadataOf, nameOf, namespaceOf } from '../../policy/universe';
import { ChartRef, ChartStore, ChartUnavailable } from './chart-store';
import { RenderCache, renderKey } from './render-cache';
import { Helm } from './tools';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped input, read defensively */

const HELM_GROUP = 'helm.toolkit.fluxcd.io';
const SOURCE_GROUP = 'source.toolkit.fluxcd.io';
const ESO_GROUP = 'external-secrets.io';

export interface RenderContext {
  /** Every object the cluster (or the checked files) holds: sources, values objects, CRDs, Namespaces. */
  readonly objects: readonly ManifestObject[];
  /** The API server's version, `1.33`. */
  readonly kubernetesVersion: string;
  readonly schemas: SchemaRegistry;
  readonly charts: ChartStore;
  readonly cache: RenderCache;
  /** Finds helm, only when a render is not cached. @throws HelmUnavailableError */
  readonly helm: () => Helm;
}

export interface RenderedRelease {
  /** The HelmRelease object. */
  readonly release: ManifestObject;
  /** `HelmRelease apps/label-studio` */
  readonly label: string;
  readonly chart: ChartRef;
  readonly releaseName: string;
  readonly namespace: string;
  readonly objects: readonly ManifestObject[];
}

export interface RenderResult {
  readonly releases: readonly RenderedRelease[];
  /** Releases that cannot be rendered, as gate findings on the HelmRelease. */
  readonly findings: readonly Finding[];
  /** What the render could not know (placeholders for values in ESC), as notes of rule helm-render. */
  readonly notes: readonly GateNote[];
}

/** A note of rule helm-render on the HelmRelease: what the render could not know. */
function noteAt(release: ManifestObject, path: readonly PathSegment[], message: string): GateNote {
  const { fix: _fix, ...note } = findingAt(HELM_RENDER_RULE, release, path, message, '');
  return note;
}

function releaseLabel(release: ManifestObject): string {
  return `HelmRelease ${namespaceOf(release) ?? ''}/${nameOf(release)}`;
}

function find(objects: readonly ManifestObject[], group: string, kind: string, namespace: string | undefined, name: string): ManifestObject | undefined {
  return objects.find((object) => groupOf(object) === group && kindOf(object) === kind && namespaceOf(object) === namespace && nameOf(object) === name);
}

/** The chart a HelmRelease names (repository URL, chart, version), or why it names none that can be rendered. */
export function chartOf(release: ManifestObject, objects: readonly ManifestObject[]): ChartRef | { problem: string; path: PathSegment[]; fix: string } {
  const spec = asRecord(release.manifest.spec) ?? {};
  const namespace = namespaceOf(release);
  const template = asRecord(asRecord(spec.chart)?.spec);
  if (template) {
    const source = asRecord(template.sourceRef) ?? {};
    const sourceNamespace = typeof source.namespace === 'string' ? source.namespace : namespace;
    const chart = String(template.chart ?? '');
    // An unset version means the newest ("*"): a float, which the store refuses.
    const version = typeof template.version === 'string' && template.version !== '' ? template.version : '*';
    if (source.kind !== 'HelmRepository') {
      return { problem: `charts from a ${String(source.kind)} are not rendered offline`, path: ['spec', 'chart', 'spec', 'sourceRef'], fix: 'use a HelmRepository or an OCIRepository source' };
    }
    const repository = find(objects, SOURCE_GROUP, 'HelmRepository', sourceNamespace, String(source.name));
    const url = asRecord(repository?.manifest.spec)?.url;
    if (typeof url !== 'string') {
      return { problem: `chart source HelmRepository ${sourceNamespace}/${String(source.name)} is not declared, so its chart cannot be rendered`,
        path: ['spec', 'chart', 'spec', 'sourceRef'], fix: 'declare the HelmRepository, or fix the sourceRef' };
    }
    return { repository: url, chart, version };
  }
  const ref = asRecord(spec.chartRef);
  if (ref?.kind === 'OCIRepository') {
    const sourceNamespace = typeof ref.namespace === 'string' ? ref.namespace : namespace;
    const oci = find(objects, SOURCE_GROUP, 'OCIRepository', sourceNamespace, String(ref.name));
    const ociSpec = asRecord(oci?.manifest.spec);
    const url = ociSpec?.url;
    const tag = asRecord(ociSpec?.ref)?.tag ?? asRecord(ociSpec?.ref)?.semver ?? '*';
    if (typeof url !== 'string') {
      return { problem: `chart source OCIRepository ${sourceNamespace}/${String(ref.name)} is not declared`, path: ['spec', 'chartRef'], fix: 'declare the OCIRepository' };
    }
    const slash = url.lastIndexOf('/');
    return { repository: url.slice(0, slash), chart: url.slice(slash + 1), version: String(tag) };
  }
  return { problem: 'names no chart (spec.chart or spec.chartRef to an OCIRepository)', path: ['spec'], fix: 'set spec.chart.spec' };
}

/** Decodes the data of a plain Secret or ConfigMap in the universe. */
function objectData(object: ManifestObject, key: string): string | undefined {
  const manifest = object.manifest as Record<string, any>;
  if (kindOf(object) === 'ConfigMap') return typeof manifest.data?.[key] === 'string' ? manifest.data[key] : undefined;
  if (typeof manifest.stringData?.[key] === 'string') return manifest.stringData[key];
  if (typeof manifest.data?.[key] === 'string') return Buffer.from(manifest.data[key], 'base64').toString('utf8');
  return undefined;
}

interface ValuesOutcome {
  readonly values?: Record<string, unknown>;
  readonly findings: Finding[];
  readonly notes: GateNote[];
}

/** spec.values with valuesFrom, as helm-controller composes them; ESO-filled keys become placeholders. */
function releaseValues(release: ManifestObject, objects: readonly ManifestObject[]): ValuesOutcome {
  const spec = asRecord(release.manifest.spec) ?? {};
  const namespace = namespaceOf(release);
  const findings: Finding[] = [];
  const notes: GateNote[] = [];
  const references: ResolvedValuesReference[] = [];
  asArray(spec.valuesFrom).forEach((entry, index) => {
    const ref = asRecord(entry) ?? {};
    const kind = String(ref.kind ?? '');
    const name = String(ref.name ?? '');
    const valuesKey = typeof ref.valuesKey === 'string' && ref.valuesKey !== '' ? ref.valuesKey : DEFAULT_VALUES_KEY;
    const targetPath = typeof ref.targetPath === 'string' && ref.targetPath !== '' ? ref.targetPath : undefined;
    const base = { kind, name, valuesKey, targetPath, optional: ref.optional === true, literal: ref.literal === true };
    const path: PathSegment[] = ['spec', 'valuesFrom', index];
    const plain = find(objects, '', kind, namespace, name);
    if (plain) {
      const data = objectData(plain, valuesKey);
      references.push({ ...base, data, parsed: data !== undefined && !targetPath ? asRecord(YAML.parse(data)) ?? {} : undefined });
      return;
    }
    const producer = kind === 'Secret'
      ? objects.find((object) => groupOf(object) === ESO_GROUP && kindOf(object) === 'ExternalSecret' && namespaceOf(object) === namespace
        && (asRecord(asRecord(object.manifest.spec)?.target)?.name ?? nameOf(object)) === name)
      : undefined;
    if (!producer) {
      if (base.optional) return;
      findings.push(findingAt(HELM_VALUES_REFERENCE_RULE, release, path,
        `valuesFrom ${kind} ${namespace}/${name} is not declared: helm-controller would stop with ValuesError ("could not resolve ${kind} chart values reference")`,
        'declare it (a Secret: under secrets: in config, so an ExternalSecret produces it), mark the entry optional: true, or fix the name'));
      // Rendered all the same (with a placeholder), so what the chart makes is still gated.
    } else {
      const keys = externalSecretKeys(producer);
      if (keys && !keys.has(valuesKey)) {
        if (base.optional) return;
        findings.push(findingAt(HELM_VALUES_REFERENCE_RULE, release, [...path, 'valuesKey'],
          `valuesFrom reads key ${valuesKey} of Secret ${namespace}/${name}, whose ExternalSecret writes only ${[...keys].sort().join(', ')}`,
          `add ${valuesKey} to the secret's data in config, or read one of its keys`));
      }
    }
    if (!targetPath) {
      notes.push(noteAt(release, path, `the values document in Secret ${namespace}/${name} key ${valuesKey} comes from ESC and is not merged offline`));
      return;
    }
    const placeholder = valuesPlaceholder(name, valuesKey);
    notes.push(noteAt(release, path, `${targetPath} = "${placeholder}" (Secret ${namespace}/${name} key ${valuesKey} comes from ESC; not read offline)`));
    references.push({ ...base, data: placeholder, literal: true });
  });
  try {
    return { values: composeValues(asRecord(spec.values) ?? {}, references), findings, notes };
  } catch (error) {
    return { findings: [findingAt(HELM_RENDER_RULE, release, ['spec', 'valuesFrom'], `values cannot be composed: ${(error as Error).message}`,
      'fix the valuesFrom entry (targetPath syntax is helm --set syntax)')], notes };
  }
}

/** API versions a CustomResourceDefinition serves, in both forms Helm's Capabilities take. */
function crdApiVersions(crd: ManifestObject): string[] {
  const spec = asRecord(crd.manifest.spec);
  const kind = asRecord(spec?.names)?.kind;
  if (typeof spec?.group !== 'string' || typeof kind !== 'string') return [];
  return asArray(spec.versions).filter((version) => asRecord(version)?.served === true)
    .flatMap((version) => [`${spec.group}/${asRecord(version)!.name}`, `${spec.group}/${asRecord(version)!.name}/${kind}`]);
}

function isCrd(object: ManifestObject): boolean {
  return groupOf(object) === 'apiextensions.k8s.io' && kindOf(object) === 'CustomResourceDefinition';
}

/** Drops fields set to null, as the API server's decoding does for optional fields (`annotations:` with nothing). */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== null).map(([key, item]) => [key, dropNulls(item)]));
  }
  return value;
}

function runHelm(helm: Helm, args: readonly string[], values: unknown): { output?: string; error?: string } {
  const result = spawnSync(helm.path, args, { input: JSON.stringify(values), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (result.error) return { error: `${helm.path} could not run: ${result.error.message}` };
  if (result.status !== 0) return { error: (result.stderr || result.stdout).trim().replace(/^Error: /, '') };
  return { output: result.stdout };
}

/** Parses helm's output (YAML documents) into manifests. */
function parseRendered(text: string): Array<Record<string, unknown>> {
  return YAML.parseAllDocuments(text).map((document) => document.toJS()).filter((value) => asRecord(value) !== undefined) as Array<Record<string, unknown>>;
}

/**
 * Renders every HelmRelease in `context.objects`. Releases whose chart is unavailable, whose values
 * cannot be composed or whose templates fail come back as findings; nothing is skipped silently.
 * @throws HelmUnavailableError when a render is needed and no usable helm exists
 */
export function renderHelmReleases(context: RenderContext): RenderResult {
  const releases: RenderedRelease[] = [];
  const findings: Finding[] = [];
  const notes: GateNote[] = [];
  const baseApiVersions = new Set<string>();
  const schemas = context.schemas.at(context.kubernetesVersion);
  for (const gvk of context.schemas.servedApiVersions(context.kubernetesVersion)) {
    baseApiVersions.add(gvk);
    baseApiVersions.add(gvk.slice(0, gvk.lastIndexOf('/')));
  }
  for (const crd of context.objects.filter(isCrd)) crdApiVersions(crd).forEach((version) => baseApiVersions.add(version));

  for (const release of context.objects.filter((object) => groupOf(object) === HELM_GROUP && kindOf(object) === 'HelmRelease')) {
    const label = releaseLabel(release);
    const spec = asRecord(release.manifest.spec) ?? {};
    const chart = chartOf(release, context.objects);
    if ('problem' in chart) {
      findings.push(findingAt(HELM_RENDER_RULE, release, chart.path, `cannot render: ${chart.problem}`, chart.fix));
      continue;
    }
    const archive = context.charts.resolve(chart);
    if (archive instanceof ChartUnavailable) {
      findings.push(findingAt(HELM_RENDER_RULE, release, ['spec', 'chart'], `cannot render: ${archive.message}`, archive.fix));
      continue;
    }
    const composed = releaseValues(release, context.objects);
    findings.push(...composed.findings);
    notes.push(...composed.notes);
    if (!composed.values) continue;

    const name = helmReleaseName(nameOf(release), spec);
    const namespace = helmReleaseNamespace(namespaceOf(release) ?? 'default', spec);
    const install = asRecord(spec.install) ?? {};
    const upgrade = asRecord(spec.upgrade) ?? {};
    const includeCrds = chartCrdsApplied(install.crds, upgrade.crds);
    const hooks = install.disableHooks !== true;
    const skipSchemaValidation = install.disableSchemaValidation === true;
    const chartName = `chart ${chart.chart} ${chart.version}`;

    // Two passes at most: CRDs the chart itself brings add API versions its templates may test for.
    let apiVersions = [...baseApiVersions].sort();
    let manifests: Array<Record<string, unknown>> | undefined;
    for (let pass = 0; pass < 2; pass++) {
      const inputs = {
        chartSha256: archive.sha256, releaseName: name, namespace, values: composed.values, kubeVersion: context.kubernetesVersion,
        apiVersions, includeCrds, hooks, skipSchemaValidation, helmVersion: '',
      };
      const helm = context.helm();
      const key = renderKey({ ...inputs, helmVersion: helm.version });
      // The cache holds the parsed manifests as JSON: parsing helm's YAML again would cost more than the rest of a warm synth.
      const cached = context.cache.get(key);
      if (cached !== undefined) {
        manifests = JSON.parse(cached) as Array<Record<string, unknown>>;
      } else {
        const args = ['template', name, archive.file, '--namespace', namespace, '--kube-version', `v${context.kubernetesVersion}.0`,
          '--api-versions', apiVersions.join(','), '--skip-tests', '--values', '-',
          ...(includeCrds ? ['--include-crds'] : ['--skip-crds']), ...(hooks ? [] : ['--no-hooks']), ...(skipSchemaValidation ? ['--skip-schema-validation'] : [])];
        const run = runHelm(helm, args, composed.values);
        if (run.error !== undefined) {
          findings.push(findingAt(HELM_RENDER_RULE, release, ['spec', 'values'], `${chartName} does not render (helm ${helm.version} template): ${run.error}`,
            'change the values (spec.values or config apps[].values) so the chart accepts them; the message above is helm\'s own'));
          manifests = undefined;
          break;
        }
        manifests = parseRendered(run.output!);
        context.cache.set(key, JSON.stringify(manifests));
      }
      const chartCrdVersions = manifests!.map((manifest) => ({ manifest })).filter(isCrd).flatMap(crdApiVersions)
        .filter((version) => !baseApiVersions.has(version));
      if (chartCrdVersions.length === 0 || pass === 1) break;
      apiVersions = [...new Set([...apiVersions, ...chartCrdVersions])].sort();
    }
    if (!manifests) continue;

    const clusterScoped = (manifest: Record<string, unknown>) => {
      const object = { manifest };
      const group = groupOf(object);
      const known = schemas.kind(group, kindOf(object));
      if (known) return known.scope === 'Cluster';
      const crd = [...context.objects, ...manifests!.map((item) => ({ manifest: item }))]
        .find((candidate) => isCrd(candidate) && asRecord(candidate.manifest.spec)?.group === group
          && asRecord(asRecord(candidate.manifest.spec)?.names)?.kind === kindOf(object));
      return asRecord(crd?.manifest.spec)?.scope === 'Cluster';
    };
    // helm-controller's post-renderers (internal/postrender/build.go): spec.commonMetadata, then its
    // origin labels on every object. Kustomize post-renderers are not applied offline: said, not guessed.
    const common = asRecord(spec.commonMetadata) ?? {};
    const labels = { ...(asRecord(common.labels) ?? {}), [`${HELM_GROUP}/name`]: nameOf(release), [`${HELM_GROUP}/namespace`]: namespaceOf(release) ?? '' };
    const annotations = asRecord(common.annotations);
    if (asArray(spec.postRenderers).length > 0) {
      notes.push(noteAt(release, ['spec', 'postRenderers'], 'kustomize post-renderers are not applied offline: the gate sees the chart\'s objects before those patches'));
    }
    const objects = manifests.map((raw): ManifestObject => {
      const manifest = dropNulls(raw) as Record<string, any>;
      const metadata = metadataOf({ manifest });
      manifest.metadata = {
        ...metadata,
        labels: { ...(asRecord(metadata.labels) ?? {}), ...labels },
        ...(annotations ? { annotations: { ...(asRecord(metadata.annotations) ?? {}), ...annotations } } : {}),
        ...(!clusterScoped(manifest) && !namespaceOf({ manifest }) ? { namespace } : {}),
      };
      return { manifest, source: { file: chartName, renderedBy: label } };
    });
    releases.push({ release, label, chart, releaseName: name, namespace, objects });
  }
  return { releases, findings, notes };
}

/**
 * Adds to a finding on a rendered object the chart's values key that sets the field, when the chart
 * has one (lib/chart-hints.ts).
 */
export function withValuesHint(finding: Finding, rendered: readonly RenderedRelease[]): Finding {
  if (!finding.source?.renderedBy || !finding.object) return finding;
  const release = rendered.find((candidate) => candidate.label === finding.source!.renderedBy);
  if (!release) return finding;
  const hint = chartValuesHint(release.chart.chart, release.releaseName, finding.object.kind, finding.object.name, finding.rule);
  return hint ? { ...finding, fix: `${finding.fix}. In the chart's values: ${hint}` } : finding;
}
