/**
 * One synth run, without touching the disk: load and validate the cluster configs, build each
 * cluster, render the tree, and run the gate on every cluster's objects. main.ts writes the result;
 * plan compares it; tests and the benchmark call it directly.
 */
import * as path from 'node:path';
import { ConfigError, LoadedConfig, loadClusterConfigs } from '../config/load';
import { Exemption, Finding, GateNote, Rule, SchemaRegistry } from '../policy';
import { ChartSources, defaultChartSources, gateWithCharts } from './charts/gate';
import { RenderedRelease } from './charts/render';
import { FileRuleOutcomeCache } from './cel-cache';
import { synthesizeCluster } from './cluster';
import { clusterFolders } from '../lib/layout';
import { REPO_ROOT, SCHEMA_BUNDLE_FILE, VALIDATOR_CACHE_DIR } from '../lib/paths';
import { tailnetPolicyFile } from '../lib/layout';
import { renderTailnetPolicy } from './tailnet-policy';
import { RenderedTree, renderTree } from './tree';

export interface SynthOptions {
  /** Folder of the cluster configs. */
  readonly configDir: string;
  /**
   * Synthesize only these clusters.
   * @default - every config in configDir
   */
  readonly clusters?: readonly string[];
  /**
   * Schema registry for the gate.
   * @default - the repo's bundle and validator cache
   */
  readonly schemas?: SchemaRegistry;
  /**
   * The gate's rules to run.
   * @default - every rule
   */
  readonly rules?: readonly Rule[];
  /**
   * Chart archives, render cache and helm for rendering HelmReleases.
   * @default - charts/ with its lock, the render cache in node_modules/.cache, helm from HELM, PATH or npm
   */
  readonly charts?: ChartSources;
}

export interface ClusterFinding {
  readonly cluster: string;
  readonly finding: Finding;
}

export interface ClusterNote {
  readonly cluster: string;
  readonly note: GateNote;
}

export interface ClusterExemption {
  readonly cluster: string;
  readonly exemption: Exemption;
}

/** Milliseconds spent in each phase of a synth run. */
export interface SynthTimings {
  readonly config: number;
  readonly build: number;
  readonly render: number;
  /** Rendering HelmReleases and gating the tree with what they render. */
  readonly gate: number;
}

export interface SynthResult {
  readonly timings: SynthTimings;
  readonly configs: readonly LoadedConfig[];
  readonly tree: RenderedTree;
  /** Tailnet policy fragments, keyed by path relative to the repository root (tailnet/<cluster>.json). */
  readonly tailnetPolicies: ReadonlyMap<string, string>;
  readonly findings: readonly ClusterFinding[];
  readonly exemptions: readonly ClusterExemption[];
  /** Per cluster, what its HelmReleases render (gated, never written). */
  readonly releases: ReadonlyMap<string, readonly RenderedRelease[]>;
  /** What the gate could not check (CEL transition rules, ...), shown with the summary. */
  readonly notes: readonly ClusterNote[];
  /** Folders of flux/ this run owns; undefined when it covers every cluster. */
  readonly scopes?: readonly string[];
}

let processRegistry: SchemaRegistry | undefined;

/**
 * The repo's schema bundle and validator cache, one per process: the compiled validators do not
 * change while the bundle does not, and loading them is most of a cold gate's time (about 50 of
 * 60 ms), which a process that gates many times (the watch's worker, the tests) then pays once. The
 * bundle is rewritten only by `npm run import`, another process; the watch restarts its worker then.
 */
export function defaultSchemaRegistry(): SchemaRegistry {
  processRegistry ??= new SchemaRegistry(path.join(REPO_ROOT, SCHEMA_BUNDLE_FILE), path.join(REPO_ROOT, VALIDATOR_CACHE_DIR));
  return processRegistry;
}

/**
 * @throws ConfigError when a config file is invalid (every problem of every file listed)
 * @throws HelmUnavailableError when a HelmRelease must be rendered and no usable helm exists
 */
export function synthesize(options: SynthOptions): SynthResult {
  const marks = [performance.now()];
  let configs = loadClusterConfigs(options.configDir);
  if (options.clusters && options.clusters.length > 0) {
    const unknown = options.clusters.filter((name) => !configs.some((loaded) => loaded.config.cluster.name === name));
    if (unknown.length > 0) {
      throw new ConfigError(unknown.map((name) => ({ file: path.join(options.configDir, `${name}.yaml`), path: '', message: `no config for cluster ${name}` })));
    }
    configs = configs.filter((loaded) => options.clusters!.includes(loaded.config.cluster.name));
  }
  marks.push(performance.now());
  const clusters = configs.map((loaded) => {
    try {
      return synthesizeCluster(loaded.config);
    } catch (error) {
      // The schema admits only what the constructs accept; if one still refuses, say which file.
      throw new ConfigError([{ file: loaded.file, path: '', message: `a construct refused this config: ${(error as Error).message}` }]);
    }
  });
  marks.push(performance.now());
  const configFiles = new Map(configs.map((loaded) => [loaded.config.cluster.name, path.relative(REPO_ROOT, path.resolve(loaded.file))]));
  const tree = renderTree(clusters, configFiles);
  marks.push(performance.now());
  const schemas = options.schemas ?? defaultSchemaRegistry();
  const findings: ClusterFinding[] = [];
  const exemptions: ClusterExemption[] = [];
  const notes: ClusterNote[] = [];
  const celCache = new FileRuleOutcomeCache();
  const charts = options.charts ?? defaultChartSources();
  const releases = new Map<string, readonly RenderedRelease[]>();
  for (const loaded of configs) {
    const cluster = loaded.config.cluster.name;
    const gate = gateWithCharts(tree.universes.get(cluster) ?? [], {
      schemas,
      celCache,
      kubernetesMinor: Number(loaded.config.cluster.kubernetesVersion.split('.')[1]),
      texts: [{ file: configFiles.get(cluster)!, text: loaded.text }],
      rules: options.rules,
    }, charts, loaded.config.cluster.kubernetesVersion);
    findings.push(...gate.findings.map((finding) => ({ cluster, finding })));
    exemptions.push(...gate.exemptions.map((exemption) => ({ cluster, exemption })));
    notes.push(...gate.notes.map((note) => ({ cluster, note })));
    releases.set(cluster, gate.releases);
  }
  celCache.save();
  marks.push(performance.now());
  const scopes = options.clusters && options.clusters.length > 0 ? configs.flatMap((loaded) => clusterFolders(loaded.config.cluster.name)) : undefined;
  const [config, build, render, gate] = marks.slice(1).map((mark, index) => mark - marks[index]);
  const tailnetPolicies = new Map(configs.map((loaded) => [tailnetPolicyFile(loaded.config.cluster.name), renderTailnetPolicy(loaded.config)]));
  return { timings: { config, build, render, gate }, configs, tree, tailnetPolicies, findings, exemptions, releases, notes, scopes };
}
