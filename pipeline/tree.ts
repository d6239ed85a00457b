/**
 * Turns synthesized clusters into the files of the Flux tree: one YAML file per object, named after
 * its kind, namespace and name, and a kustomization.yaml per layer folder that lists exactly those
 * files, so `kubectl kustomize <folder>` builds what kustomize-controller will apply.
 *
 * Every file starts with GENERATED_MARKER: that first line is how synth tells its own files from
 * the ones `flux bootstrap` or a person wrote, which it never touches.
 */
import * as YAML from 'yaml';
import { ManifestObject } from '../policy/types';
import { CLUSTER_ENTRY, GENERATED_MARKER, KUSTOMIZATION_FILE, objectFileName } from '../lib/layout';
import { FLUX_DIR } from '../lib/paths';
import { SynthesizedCluster } from './cluster';
import { ManifestTextParser } from './manifest-files';

/** The generated files of one run, keyed by path relative to flux/, and the objects they hold. */
export interface RenderedTree {
  readonly files: ReadonlyMap<string, string>;
  /** Per cluster, the objects it will apply, each with the file it is written to. */
  readonly universes: ReadonlyMap<string, readonly ManifestObject[]>;
}

function header(configFile: string): string {
  return `${GENERATED_MARKER} from ${configFile}: edit the code or the config, then run npm run synth.\n`;
}

/**
 * The YAML text of objects, remembered from one render to the next in this process. A watch session,
 * the tests and the benchmark synthesize mostly unchanged objects again, and YAML.stringify was a third
 * of a warm synth. Keyed by the object's JSON text: the same JSON, keys in the same order, is the same
 * YAML. Only the entries the latest render used are kept, so memory stays at one tree.
 */
class YamlTexts {
  private previous = new Map<string, string>();
  private current = new Map<string, string>();

  text(value: unknown): string {
    const key = JSON.stringify(value);
    let text = this.current.get(key) ?? this.previous.get(key);
    // lineWidth 0: never fold long strings, so a diff shows the real change.
    text ??= YAML.stringify(value, { lineWidth: 0 });
    this.current.set(key, text);
    return text;
  }

  /** Ends a render: what it used is what the next one may reuse. */
  rotate(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

const yamlTexts = new YamlTexts();

/** Renders clusters into files. `configFiles` maps a cluster to the config file it came from. */
export function renderTree(clusters: readonly SynthesizedCluster[], configFiles: ReadonlyMap<string, string>): RenderedTree {
  try {
    return renderFiles(clusters, configFiles);
  } finally {
    yamlTexts.rotate();
  }
}

function renderFiles(clusters: readonly SynthesizedCluster[], configFiles: ReadonlyMap<string, string>): RenderedTree {
  const files = new Map<string, string>();
  const universes = new Map<string, ManifestObject[]>();
  for (const { cluster, charts } of clusters) {
    const banner = header(configFiles.get(cluster) ?? `config/${cluster}.yaml`);
    const objects: ManifestObject[] = [];
    for (const chart of charts) {
      const names: string[] = [];
      for (const manifest of chart.toJson() as Array<Record<string, unknown>>) {
        const name = objectFileName(manifest);
        const file = `${chart.folder}/${name}`;
        names.push(name);
        files.set(file, banner + yamlTexts.text(manifest));
        objects.push({ manifest, source: { file: `${FLUX_DIR}/${file}` } });
      }
      // The entry folder is read by the bootstrap Kustomization, which also reads flux-system/
      // there: a kustomization.yaml of ours would hide it.
      if (chart.layer !== CLUSTER_ENTRY) {
        const kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names.sort() };
        files.set(`${chart.folder}/${KUSTOMIZATION_FILE}`, banner + yamlTexts.text(kustomization));
      }
    }
    universes.set(cluster, objects);
  }
  return { files, universes };
}

/**
 * A parser that already knows this tree's object files: their objects are the ones synthesized, so
 * reading the same text back (an unchanged file of the committed tree, in plan) parses nothing.
 */
export function treeParser(tree: RenderedTree): ManifestTextParser {
  const parser = new ManifestTextParser();
  const byFile = new Map<string, ManifestObject[]>();
  for (const objects of tree.universes.values()) {
    for (const object of objects) {
      const name = object.source?.file;
      if (name === undefined) continue;
      if (!byFile.has(name)) byFile.set(name, []);
      byFile.get(name)!.push(object);
    }
  }
  for (const [name, objects] of byFile) {
    const text = tree.files.get(name.slice(FLUX_DIR.length + 1));
    if (text !== undefined) parser.know(name, text, objects);
  }
  return parser;
}
