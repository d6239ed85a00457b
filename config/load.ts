/**
 * Reads config/<cluster>.yaml files and validates them against the schema. Every problem in every file
 * is collected before anything fails, and each one names the file, the line, the field path and
 * what is expected, so one run shows the whole list.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v from 'valibot';
import * as YAML from 'yaml';
import { formatFieldPath, PathSegment } from '../lib/field-path';
import { cidrsOverlap } from '../lib/network';
import { printable } from '../lib/printable';
import { describeSpecial, readRegularFile, UnreadableFileError } from '../lib/walk';
import { ClusterConfig, ClusterConfigSchema } from './schema';

export interface ConfigIssue {
  /** The file, as given to the loader (relative paths stay relative). */
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** Field path inside the file, e.g. `tailscale.exitNode.tailnetIp`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid cluster config:\n${issues.map(formatConfigIssue).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? printable(issue.file) : `${printable(issue.file)}:${issue.line}:${issue.column}`;
  return `${where}: ${issue.path === '' ? '' : `${printable(issue.path)}: `}${printable(issue.message, 1000)}`;
}

/** A validated config and the file it came from. */
export interface LoadedConfig {
  readonly file: string;
  readonly config: ClusterConfig;
  /** The file's text, for checks that look at the source itself (credential-shaped strings). */
  readonly text: string;
  /** Line and column of a field, for issues found after parsing. */
  readonly locate: (segments: readonly PathSegment[]) => { line: number; column: number } | undefined;
}

function locate(document: YAML.Document, lines: YAML.LineCounter, segments: readonly PathSegment[]): { line: number; column: number } | undefined {
  // Point at the deepest node that exists: for a missing field that is its parent object.
  for (let depth = segments.length; depth >= 0; depth--) {
    const node = document.getIn(segments.slice(0, depth), true) as YAML.Node | undefined;
    if (node && YAML.isNode(node) && node.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return undefined;
}

function issueSegments(issue: v.BaseIssue<unknown>): PathSegment[] {
  return (issue.path ?? []).map((item) => item.key as PathSegment);
}

function describe(issue: v.BaseIssue<unknown>): string {
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    return 'unknown field: remove it or check its spelling (the schema is config/cluster.schema.json)';
  }
  if (issue.received === 'undefined' && issue.kind === 'schema') return 'required field is missing';
  if (issue.message.startsWith('Invalid type')) return `expected ${issue.expected}, got ${issue.received}`;
  return issue.message;
}

/** Parses and validates one config text; `file` is only used in messages. */
export function parseClusterConfig(file: string, text: string): { config?: ClusterConfig; issues: ConfigIssue[]; locate?: LoadedConfig['locate'] } {
  const lines = new YAML.LineCounter();
  const document = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      issues: document.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        // yaml's own words here name its API (parseAllDocuments), which means nothing to the reader.
        const message = error.code === 'MULTIPLE_DOCS'
          ? 'a second YAML document starts here (a --- line): a config file holds one cluster; remove the --- or move what follows to its own <cluster>.yaml'
          : `YAML syntax: ${error.message.split('\n')[0]}`;
        return { file, line, column: col, path: '', message };
      }),
    };
  }
  let data: unknown;
  try {
    // yaml's own limit on alias expansion (maxAliasCount, 100 by default) stops a "billion laughs"
    // document; it throws, and the throw becomes a message.
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { issues: [{ file, path: '', message: `YAML: ${(error as Error).message} (aliases may expand to at most ${MAX_ALIAS_COUNT} nodes)` }] };
  }
  if (data === null || data === undefined) {
    return { issues: [{ file, path: '', message: 'the file holds no settings (empty, or only comments): write the cluster\'s config, as in the shipped config/dev.yaml' }] };
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { issues: [{ file, path: '', message: `the file holds ${Array.isArray(data) ? 'a list' : `a single ${typeof data}`}, not settings: a cluster config is a mapping (cluster:, esc:, secrets:, ...)` }] };
  }
  // abortPipeEarly: one message per field, the first rule it breaks.
  const result = v.safeParse(ClusterConfigSchema, data, { abortPipeEarly: true });
  if (!result.success) {
    return {
      issues: result.issues.map((issue) => {
        const segments = issueSegments(issue);
        return { file, ...locate(document, lines, segments), path: formatFieldPath(segments), message: describe(issue) };
      }),
    };
  }
  const expectedName = path.basename(file, path.extname(file));
  if (result.output.cluster.name !== expectedName) {
    const segments = ['cluster', 'name'];
    return {
      issues: [{
        file, ...locate(document, lines, segments), path: formatFieldPath(segments),
        message: `cluster name ${JSON.stringify(result.output.cluster.name)} must equal the file name ${JSON.stringify(expectedName)}: rename one of them`,
      }],
    };
  }
  return { config: result.output, issues: [], locate: (segments) => locate(document, lines, segments) };
}

/** yaml's default: enough for any config, far too few for an alias bomb. */
const MAX_ALIAS_COUNT = 100;

/** Every `*.yaml` cluster config in `dir`, sorted by name. */
export function clusterConfigFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((entry) => entry.endsWith('.yaml')).sort().map((entry) => path.join(dir, entry));
}

/**
 * The config files of `dir`, and a problem for every entry that looks like a config but cannot be
 * one: a `*.yml` (refused, never ignored: an ignored config would make its cluster disappear), a
 * folder, a link, a FIFO named `*.yaml`.
 */
function listConfigFiles(dir: string): { files: string[]; issues: ConfigIssue[] } {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'the config folder does not exist: check --config-dir'
      : code === 'ENOTDIR' ? 'is a file, not the config folder: check --config-dir' : `the config folder cannot be listed (${code})`;
    return { files: [], issues: [{ file: dir, path: '', message: reason }] };
  }
  const files: string[] = [];
  const issues: ConfigIssue[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const file = path.join(dir, entry.name);
    if (entry.name.endsWith('.yml')) {
      issues.push({ file, path: '', message: `cluster configs are named <cluster>.yaml: rename it to ${entry.name.slice(0, -'.yml'.length)}.yaml` });
    } else if (entry.name.endsWith('.yaml')) {
      if (entry.isFile()) files.push(file);
      else if (entry.isDirectory()) issues.push({ file, path: '', message: 'is a folder, not a config file: rename or remove it' });
      else {
        const kind = entry.isSymbolicLink() ? 'symlink' : entry.isFIFO() ? 'fifo' : entry.isSocket() ? 'socket' : 'device';
        issues.push({ file, path: '', message: `is ${describeSpecial(kind)}, not a config file: replace it with the file itself` });
      }
    }
  }
  return { files, issues };
}

/**
 * Loads and validates every cluster config in `dir`.
 * @throws ConfigError listing every problem in every file
 */
export function loadClusterConfigs(dir: string): LoadedConfig[] {
  const { files, issues } = listConfigFiles(dir);
  if (files.length === 0 && issues.length === 0) throw new ConfigError([{ file: dir, path: '', message: 'no cluster config (*.yaml) found: add config/<cluster>.yaml' }]);
  const loaded: LoadedConfig[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readRegularFile(file);
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      issues.push({ file, path: '', message: `${error.reason}; nothing is synthesized (and no cluster removed) until it can be read` });
      continue;
    }
    const result = parseClusterConfig(file, text);
    issues.push(...result.issues);
    if (result.config && result.locate) loaded.push({ file, config: result.config, text, locate: result.locate });
  }
  issues.push(...crossClusterIssues(loaded));
  if (issues.length > 0) throw new ConfigError(issues);
  return loaded;
}

/**
 * Rules across clusters that share a tailnet: clients that accept routes would also install the
 * routes another cluster's exit node advertises, and two K3s clusters on default settings use the
 * same pod and service CIDRs.
 */
function crossClusterIssues(loaded: readonly LoadedConfig[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { file, config, locate: where } of loaded) {
    if (!config.tailscale.clients.acceptRoutes) continue;
    for (const other of loaded) {
      const otherExitNode = other.config.tailscale.exitNode;
      if (other.config === config || !otherExitNode) continue;
      for (const route of otherExitNode.advertiseRoutes) {
        for (const own of [config.cluster.podCidr, config.cluster.serviceCidr]) {
          if (!cidrsOverlap(route, own)) continue;
          const segments = ['tailscale', 'clients', 'acceptRoutes'];
          issues.push({
            file, ...where(segments), path: formatFieldPath(segments),
            message: `clients would accept route ${route} from cluster ${other.config.cluster.name}'s exit node, which overlaps this cluster's ${own}: `
              + 'their pod or service traffic would go to the other cluster. Set acceptRoutes: false, or give the clusters distinct CIDRs',
          });
        }
      }
    }
  }
  return issues;
}
