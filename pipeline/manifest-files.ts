/**
 * Reads YAML manifests from files and folders into objects for the gate or the plan, keeping where
 * each came from (file, line of the document, and a way to find the line of any field). A YAML
 * syntax error is reported as a finding with its line, not thrown.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { PathSegment } from '../lib/field-path';
import { BOOTSTRAP_FOLDER } from '../lib/layout';
import { walkTree } from '../lib/walk';
import { Finding, ManifestObject } from '../policy/types';
import { YAML_SYNTAX_RULE } from '../policy/yaml-syntax';

/** Folders a walk never enters: bootstrap-owned Flux files, dependencies, VCS data. */
const SKIPPED_FOLDERS = new Set([BOOTSTRAP_FOLDER, 'node_modules', '.git']);
const YAML_FILE = /\.ya?ml$/;
/** kustomization.yaml files are build instructions for kustomize, not API objects. */
const KUSTOMIZE_CONFIG_GROUP = 'kustomize.config.k8s.io/';

export interface ManifestFiles {
  readonly files: readonly string[];
  readonly objects: readonly ManifestObject[];
  /** YAML that could not be parsed. */
  readonly syntaxErrors: readonly Finding[];
  /** Folders left out of the walk, to tell the user. */
  readonly skipped: readonly string[];
}

/** Every YAML file under the given paths (files are taken as given, folders are walked in name order). */
function collectYamlFiles(paths: readonly string[]): { files: string[]; skipped: string[] } {
  const files: string[] = [];
  const skipped: string[] = [];
  for (const given of paths) {
    if (!fs.statSync(given).isDirectory()) {
      files.push(given);
      continue;
    }
    const walked = walkTree(given, { skipFolder: (name) => SKIPPED_FOLDERS.has(name) });
    files.push(...walked.files.filter((file) => YAML_FILE.test(file)).map((file) => path.join(given, file)));
    skipped.push(...walked.skipped.map((folder) => path.join(given, folder)));
  }
  return { files, skipped };
}

function isManifest(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one file's documents. `name` is how the file is named in findings. */
export function parseManifestText(name: string, text: string): { objects: ManifestObject[]; syntaxErrors: Finding[] } {
  const lines = new YAML.LineCounter();
  const documents = YAML.parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const objects: ManifestObject[] = [];
  const syntaxErrors: Finding[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        syntaxErrors.push({
          rule: YAML_SYNTAX_RULE, source: { file: name, line: lines.linePos(error.pos[0]).line },
          message: `YAML syntax error: ${error.message.split('\n')[0]}`, fix: 'fix the YAML so the document parses',
        });
      }
      continue;
    }
    const value = document.toJS();
    if (value === null || value === undefined) continue;
    const line = document.contents?.range ? lines.linePos(document.contents.range[0]).line : undefined;
    const locate = (prefix: readonly PathSegment[]) => (segments: readonly PathSegment[]) => {
      for (let depth = segments.length; depth >= 0; depth--) {
        const node = document.getIn([...prefix, ...segments.slice(0, depth)], true) as YAML.Node | undefined;
        if (YAML.isNode(node) && node.range) return lines.linePos(node.range[0]).line;
      }
      return undefined;
    };
    if (!isManifest(value)) {
      syntaxErrors.push({ rule: YAML_SYNTAX_RULE, source: { file: name, line }, message: 'document is not a mapping, so not a Kubernetes object', fix: 'remove it' });
    } else if (value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item: unknown, index: number) => {
        if (isManifest(item)) objects.push({ manifest: item, source: { file: name, line: locate(['items', index])([]), locate: locate(['items', index]) } });
      });
    } else if (!(typeof value.apiVersion === 'string' && value.apiVersion.startsWith(KUSTOMIZE_CONFIG_GROUP))) {
      objects.push({ manifest: value, source: { file: name, line, locate: locate([]) } });
    }
  }
  return { objects, syntaxErrors };
}

/** Reads every manifest under the given files and folders. */
export function readManifests(paths: readonly string[]): ManifestFiles {
  const { files, skipped } = collectYamlFiles(paths);
  const objects: ManifestObject[] = [];
  const syntaxErrors: Finding[] = [];
  for (const file of files) {
    const parsed = parseManifestText(file, fs.readFileSync(file, 'utf8'));
    objects.push(...parsed.objects);
    syntaxErrors.push(...parsed.syntaxErrors);
  }
  return { files, objects, syntaxErrors, skipped };
}
