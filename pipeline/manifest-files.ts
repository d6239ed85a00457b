/**
 * Reads YAML manifests from files and folders into objects for the gate or the plan, keeping where
 * each came from (file, line of the document, and a way to find the line of any field). A YAML
 * syntax error is reported as a finding with its line, not thrown.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { PathSegment } from '../lib/field-path';
import { BOOTSTRAP_FOLDER, GENERATED_MARKER, MANIFEST_FILE } from '../lib/layout';
import { describeSpecial, readRegularFile, UnreadableFileError, walkTree } from '../lib/walk';
import { Finding, ManifestObject } from '../policy/types';
import { KUSTOMIZE_RESOURCES_RULE, YAML_SYNTAX_RULE } from '../policy/yaml-syntax';

/** Folders a walk never enters: bootstrap-owned Flux files, dependencies, VCS data. */
const SKIPPED_FOLDERS = new Set([BOOTSTRAP_FOLDER, 'node_modules', '.git']);
/** kustomization.yaml files are build instructions for kustomize, not API objects. */
const KUSTOMIZE_CONFIG_GROUP = 'kustomize.config.k8s.io/';
/** The names kustomize looks for in a folder (api/konfig/general.go RecognizedKustomizationFileNames). */
const KUSTOMIZATION_NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
/** yaml's default limit on alias expansion: plenty for manifests, too few for an alias bomb. */
const MAX_ALIAS_COUNT = 100;

export interface ManifestFiles {
  readonly files: readonly string[];
  readonly objects: readonly ManifestObject[];
  /** YAML that could not be parsed. */
  readonly syntaxErrors: readonly Finding[];
  /** Folders left out of the walk, to tell the user. */
  readonly skipped: readonly string[];
  /**
   * What kustomize makes or changes from kustomization files (Secrets and ConfigMaps of generators,
   * patches): not API objects as written, but what Flux applies, so the secret checks see them.
   */
  readonly generated: readonly ManifestObject[];
  /** Comments of every file (all else blanked, lines kept), for the credential scan. */
  readonly comments: ReadonlyArray<{ readonly file: string; readonly text: string }>;
  /** Inputs that could not be read, each with the reason; never opened if not a regular file. */
  readonly unreadable: readonly string[];
}

/** Every manifest file under the given paths (files are taken as given, folders are walked in name order). */
function collectManifestFiles(paths: readonly string[]): { files: string[]; skipped: string[]; unreadable: string[] } {
  const files: string[] = [];
  const skipped: string[] = [];
  const unreadable: string[] = [];
  for (const given of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(given);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      unreadable.push(`${given}: ${code === 'ENOENT' ? 'does not exist (or is a dangling link)' : `cannot be read (${code})`}`);
      continue;
    }
    if (stat.isFile()) {
      files.push(given);
      continue;
    }
    if (!stat.isDirectory()) {
      unreadable.push(`${given}: is a ${stat.isFIFO() ? 'FIFO' : stat.isSocket() ? 'socket' : 'device'}, not a file: it is never read`);
      continue;
    }
    let walked;
    try {
      walked = walkTree(given, { skipFolder: (name) => SKIPPED_FOLDERS.has(name) });
    } catch (error) {
      // The folder that failed, which may be below the one given.
      const failed = error as NodeJS.ErrnoException;
      const denied = failed.code === 'EACCES' || failed.code === 'EPERM';
      unreadable.push(`${failed.path ?? given}: cannot be listed (${denied ? 'permission denied): fix its permissions' : `${failed.code})`}`);
      continue;
    }
    const wanted = (file: string) => MANIFEST_FILE.test(file) || KUSTOMIZATION_NAMES.has(path.posix.basename(file));
    files.push(...walked.files.filter(wanted).map((file) => path.join(given, file)));
    skipped.push(...walked.skipped.map((folder) => path.join(given, folder)));
    skipped.push(...walked.special.map((entry) => `${path.join(given, entry.relative)} (${describeSpecial(entry.kind)})`));
  }
  return { files, skipped, unreadable };
}

function isManifest(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one file's documents. `name` is how the file is named in findings. */
export function parseManifestText(name: string, text: string): { objects: ManifestObject[]; syntaxErrors: Finding[]; kustomizations: ManifestObject[] } {
  const lines = new YAML.LineCounter();
  const documents = YAML.parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const objects: ManifestObject[] = [];
  const kustomizations: ManifestObject[] = [];
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
    const line = document.contents?.range ? lines.linePos(document.contents.range[0]).line : undefined;
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      syntaxErrors.push({
        rule: YAML_SYNTAX_RULE, source: { file: name, line },
        message: `YAML: ${(error as Error).message} (aliases may expand to at most ${MAX_ALIAS_COUNT} nodes)`, fix: 'write the values out instead of nesting aliases',
      });
      continue;
    }
    if (value === null || value === undefined) continue;
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
    } else if ((typeof value.apiVersion === 'string' && value.apiVersion.startsWith(KUSTOMIZE_CONFIG_GROUP))
      || (value.apiVersion === undefined && KUSTOMIZATION_NAMES.has(path.basename(name)))) {
      kustomizations.push({ manifest: value, source: { file: name, line, locate: locate([]) } });
    } else {
      objects.push({ manifest: value, source: { file: name, line, locate: locate([]) } });
    }
  }
  return { objects, syntaxErrors, kustomizations };
}

/** What parseManifestText returns. */
export type ParsedManifestText = ReturnType<typeof parseManifestText>;

/**
 * parseManifestText once per file name and text, for one command's reads of the same files: plan
 * parses the committed tree for its own diff and for the committed HelmReleases' renders, and an
 * unchanged file is the same text in the new tree. Callers must not change the parsed objects.
 */
export class ManifestTextParser {
  private readonly parsed = new Map<string, ParsedManifestText>();

  parse(name: string, text: string): ParsedManifestText {
    const key = this.key(name, text);
    let result = this.parsed.get(key);
    if (!result) {
      result = parseManifestText(name, text);
      this.parsed.set(key, result);
    }
    return result;
  }

  /** Records what `name` with `text` holds, when the caller already has its objects (synth's own files). */
  know(name: string, text: string, objects: ManifestObject[]): void {
    this.parsed.set(this.key(name, text), { objects, syntaxErrors: [], kustomizations: [] });
  }

  /**
   * Synth's first line names the config file it came from, a comment: files that differ only there
   * (synth from another --config-dir) hold the same objects on the same lines.
   */
  private key(name: string, text: string): string {
    const body = text.startsWith(GENERATED_MARKER) ? text.slice(text.indexOf('\n') + 1) : text;
    return `${name}\0${body}`;
  }
}

/** The comments of a YAML text, everything else blanked, on their own lines (line numbers unchanged). */
export function yamlComments(text: string): string {
  const lines: string[] = [''];
  for (const token of new YAML.Lexer().lex(text)) {
    // One-character control tokens (document start, flow end, scalar marker) are not source text.
    if (token === '\x02' || token === '\x18' || token === '\x1f') continue;
    if (token.startsWith('#')) lines[lines.length - 1] += token;
    for (let count = token.split('\n').length - 1; count > 0; count--) lines.push('');
  }
  return lines.join('\n');
}

type Entry = Record<string, unknown>;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] => list(value).filter((item): item is string => typeof item === 'string');

/** A resources entry kustomize fetches rather than reads from disk. */
const REMOTE_RESOURCE = /^([a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)|\?ref=/i;

/**
 * What kustomize builds from a kustomization's generators and patches, as objects the secret checks
 * read: a Secret (or ConfigMap) per generator entry, with its literals and the contents of its
 * files and env files as `stringData` (`data`), and each patch as the object it merges.
 */
function kustomizeOutputs(kustomization: ManifestObject, read: (file: string) => string | undefined): { objects: ManifestObject[]; errors: Finding[] } {
  const manifest = kustomization.manifest as Entry;
  const file = kustomization.source!.file;
  const dir = path.dirname(file);
  const objects: ManifestObject[] = [];
  const errors: Finding[] = [];
  const source = (field: string, index: number) => ({ file, line: kustomization.source?.locate?.([field, index]) });
  list(manifest.resources).forEach((entry, index) => {
    // Remote bases (URLs, git) are kustomize's to fetch; a local path must exist, or the build fails.
    if (typeof entry !== 'string' || REMOTE_RESOURCE.test(entry)) return;
    if (!fs.existsSync(path.join(dir, entry))) {
      errors.push({
        rule: KUSTOMIZE_RESOURCES_RULE, source: source('resources', index), path: `resources[${index}]`,
        message: `resources lists ${JSON.stringify(entry)}, which does not exist: kustomize build fails, so Flux applies nothing from this folder`,
        fix: `add ${entry} or remove it from resources`,
      });
    }
  });
  for (const [field, kind, dataField] of [['secretGenerator', 'Secret', 'stringData'], ['configMapGenerator', 'ConfigMap', 'data']] as const) {
    list(manifest[field]).forEach((raw, index) => {
      if (!isManifest(raw)) return;
      const data: Record<string, string> = {};
      for (const literal of strings(raw.literals)) {
        const at = literal.indexOf('=');
        data[at < 0 ? literal : literal.slice(0, at)] = at < 0 ? '' : literal.slice(at + 1);
      }
      for (const entry of strings(raw.files)) {
        const at = entry.indexOf('=');
        const key = at < 0 ? path.basename(entry) : entry.slice(0, at);
        data[key] = read(path.join(dir, at < 0 ? entry : entry.slice(at + 1))) ?? '';
      }
      for (const envFile of strings(raw.envs ?? (typeof raw.env === 'string' ? [raw.env] : []))) {
        for (const line of (read(path.join(dir, envFile)) ?? '').split('\n')) {
          const at = line.indexOf('=');
          if (at > 0 && !line.trimStart().startsWith('#')) data[line.slice(0, at).trim()] = line.slice(at + 1);
        }
      }
      const metadata = { name: typeof raw.name === 'string' ? raw.name : `${field}[${index}]`, ...(typeof raw.namespace === 'string' ? { namespace: raw.namespace } : {}) };
      objects.push({ manifest: { apiVersion: 'v1', kind, metadata, [dataField]: data }, source: source(field, index) });
    });
  }
  const patchTexts: Array<{ text: string; field: string; index: number }> = [];
  list(manifest.patches).concat(list(manifest.patchesJson6902)).forEach((raw, index) => {
    if (!isManifest(raw)) return;
    if (typeof raw.patch === 'string') patchTexts.push({ text: raw.patch, field: 'patches', index });
    if (typeof raw.path === 'string') patchTexts.push({ text: read(path.join(dir, raw.path)) ?? '', field: 'patches', index });
  });
  list(manifest.patchesStrategicMerge).forEach((raw, index) => {
    if (typeof raw !== 'string') return;
    // An entry is a file path, or an inline patch (kustomize tells them apart the same way: a newline or a colon).
    const inline = raw.includes('\n') || raw.includes(': ');
    patchTexts.push({ text: inline ? raw : read(path.join(dir, raw)) ?? '', field: 'patchesStrategicMerge', index });
  });
  for (const { text, field, index } of patchTexts) {
    let documents: unknown[];
    try {
      documents = YAML.parseAllDocuments(text).map((document) => document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
    } catch (error) {
      errors.push({ rule: YAML_SYNTAX_RULE, source: source(field, index), message: `patch: ${(error as Error).message}`, fix: 'fix the patch' });
      continue;
    }
    for (const document of documents) {
      if (isManifest(document)) objects.push({ manifest: document, source: source(field, index) });
      else if (Array.isArray(document)) objects.push({ manifest: { kind: 'JSON6902Patch', operations: document }, source: source(field, index) });
    }
  }
  return { objects, errors };
}

/** Reads every manifest (and kustomization) under the given files and folders. */
export function readManifests(paths: readonly string[]): ManifestFiles {
  const { files, skipped, unreadable } = collectManifestFiles(paths);
  const objects: ManifestObject[] = [];
  const generated: ManifestObject[] = [];
  const comments: Array<{ file: string; text: string }> = [];
  const syntaxErrors: Finding[] = [];
  const explicit = new Set(paths);
  const read = (file: string, followSymlink: boolean): string | undefined => {
    try {
      return readRegularFile(file, { followSymlink });
    } catch (error) {
      unreadable.push(error instanceof UnreadableFileError ? error.message : `${file}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const readFiles: string[] = [];
  for (const file of files) {
    const text = read(file, explicit.has(file));
    if (text === undefined) continue;
    readFiles.push(file);
    const parsed = parseManifestText(file, text);
    objects.push(...parsed.objects);
    syntaxErrors.push(...parsed.syntaxErrors);
    comments.push({ file, text: yamlComments(text) });
    for (const kustomization of parsed.kustomizations) {
      // Files a generator or patch names are read as kustomize reads them: regular files only.
      const outputs = kustomizeOutputs(kustomization, (target) => read(target, false));
      generated.push(...outputs.objects);
      syntaxErrors.push(...outputs.errors);
    }
  }
  return { files: readFiles, objects, syntaxErrors, skipped, generated, comments, unreadable };
}
