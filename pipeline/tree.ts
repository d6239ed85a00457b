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

/** The generated files of one run, keyed by path relative to flux/, and the objects they hold. */
export interface RenderedTree {
  readonly files: ReadonlyMap<string, string>;
  /** Per cluster, the objects it will apply, each with the file it is written to. */
  readonly universes: ReadonlyMap<string, readonly ManifestObject[]>;
}

function header(configFile: string): string {
  return `${GENERATED_MARKER} from ${configFile}: edit the code or the config, then run npm run synth.\n`;
}

function toYaml(value: unknown): string {
  // lineWidth 0: never fold long strings, so a diff shows the real change.
  return YAML.stringify(value, { lineWidth: 0 });
}

/** Renders clusters into files. `configFiles` maps a cluster to the config file it came from. */
export function renderTree(clusters: readonly SynthesizedCluster[], configFiles: ReadonlyMap<string, string>): RenderedTree {
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
        files.set(file, banner + toYaml(manifest));
        objects.push({ manifest, source: { file: `${FLUX_DIR}/${file}` } });
      }
      // The entry folder is read by the bootstrap Kustomization, which also reads flux-system/
      // there: a kustomization.yaml of ours would hide it.
      if (chart.layer !== CLUSTER_ENTRY) {
        const kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names.sort() };
        files.set(`${chart.folder}/${KUSTOMIZATION_FILE}`, banner + toYaml(kustomization));
      }
    }
    universes.set(cluster, objects);
  }
  return { files, universes };
}
