/**
 * The gate over a universe and everything its HelmReleases render: synth, check and plan all call
 * this. Rendered objects join the universe (so their pods meet the release namespace's Pod Security
 * labels, their Secret reads meet the ExternalSecrets, their kinds meet the CRDs), are gated like
 * the tree, and are never written anywhere.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { NEWEST_KUBERNETES_SCHEMA_VERSION } from '../../lib/kubernetes-versions';
import { CHARTS_DIR, RENDER_CACHE_DIR, REPO_ROOT } from '../../lib/paths';
import { Exemption, Finding, GateNote, GateOptions, HELM_RENDER_RULE, ManifestObject, runGate, SchemaRegistry } from '../../policy';

/** The rules whose findings come from validating an object against its schema. */
const VALIDATING_RULES = ['schema-unknown-field', 'schema-invalid-value'];
import { ChartStore } from './chart-store';
import { RenderCache } from './render-cache';
import { RenderedRelease, renderHelmReleases, withValuesHint } from './render';
import { findHelm, Helm } from './tools';

/** Where charts come from and where renders are cached. */
export interface ChartSources {
  readonly charts: ChartStore;
  readonly cache: RenderCache;
  /** @throws HelmUnavailableError */
  readonly helm: () => Helm;
}

/** Lazily finds helm once per process (and only when a render is not cached). */
export function lazyHelm(env: NodeJS.ProcessEnv = process.env): () => Helm {
  let helm: Helm | undefined;
  return () => {
    helm ??= findHelm(env);
    return helm;
  };
}

/** The repo's charts/ (lock required), the render cache under node_modules/.cache, helm found lazily. */
export function defaultChartSources(): ChartSources {
  return {
    charts: new ChartStore(path.join(REPO_ROOT, CHARTS_DIR), true, CHARTS_DIR),
    cache: new RenderCache(path.join(REPO_ROOT, RENDER_CACHE_DIR)),
    helm: lazyHelm(),
  };
}

export interface ChartGateResult {
  readonly findings: readonly Finding[];
  readonly exemptions: readonly Exemption[];
  readonly releases: readonly RenderedRelease[];
  /** What the gate could not check: CEL notes, and the values rendering could not know (rule helm-render). */
  readonly notes: readonly GateNote[];
}

/**
 * Renders the universe's HelmReleases and gates the universe with everything they render.
 * @throws HelmUnavailableError when a render is needed and no usable helm exists
 */
export function gateWithCharts(objects: readonly ManifestObject[], options: GateOptions, sources: ChartSources, kubernetesVersion: string): ChartGateResult {
  const rendered = renderHelmReleases({ objects, kubernetesVersion, schemas: options.schemas, ...sources });
  const universe = [...objects, ...rendered.releases.flatMap((release) => release.objects)];

  // Schema validation depends only on an object and the schema bundle. Rendered objects already found
  // valid (same content, same bundle) skip it: loading a Deployment's validator alone costs more than
  // the rest of a warm render. Every other check runs on them every time.
  const schemaVersion = options.kubernetesMinor === undefined ? NEWEST_KUBERNETES_SCHEMA_VERSION : `1.${options.kubernetesMinor}`;
  const contentHash = (release: RenderedRelease) => createHash('sha256')
    .update(`${options.schemas.id}\n${schemaVersion}\n${JSON.stringify(release.objects.map((object) => object.manifest))}`).digest('hex');
  const hashes = new Map(rendered.releases.map((release) => [release, contentHash(release)]));
  const known = new Set(rendered.releases.filter((release) => sources.cache.hasSchemaVerdict(hashes.get(release)!))
    .flatMap((release) => release.objects.map((object) => object.manifest)));
  const schemas = known.size === 0 ? options.schemas : skippingValidation(options.schemas, known);

  const gate = runGate(universe, { ...options, schemas });
  // A verdict is kept only when both validating rules ran (one alone would hide the other's findings).
  const validated = VALIDATING_RULES.every((id) => !options.rules || options.rules.some((rule) => rule.id === id));
  for (const release of rendered.releases) {
    const invalid = gate.findings.some((finding) => finding.rule.startsWith('schema-') && finding.source?.renderedBy === release.label);
    if (validated && !invalid && !release.objects.every((object) => known.has(object.manifest))) sources.cache.setSchemaVerdict(hashes.get(release)!);
  }
  const selected = (id: string) => !options.rules || options.rules.some((rule) => rule.id === id);
  const renderSelected = selected(HELM_RENDER_RULE);
  const findings = [
    ...rendered.findings.filter((finding) => selected(finding.rule)),
    ...gate.findings.map((finding) => withValuesHint(finding, rendered.releases)),
  ];
  return { findings, exemptions: gate.exemptions, releases: rendered.releases, notes: [...gate.notes, ...(renderSelected ? rendered.notes : [])] };
}

/** The registry, answering "valid" without loading a validator for the objects in `known`. */
function skippingValidation(registry: SchemaRegistry, known: ReadonlySet<unknown>): SchemaRegistry {
  return new Proxy(registry, {
    get(target, property, receiver) {
      if (property === 'at') {
        return (kubernetesVersion: string) => {
          const schemas = target.at(kubernetesVersion);
          const validate: typeof schemas.validate = (group, version, kind, object) => (known.has(object) ? [] : schemas.validate(group, version, kind, object));
          return { ...schemas, validate };
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
