/**
 * The gate's result for machines: JSON (shape documented in the README, "Output for machines"),
 * SARIF 2.1.0 for code scanning, and GitHub Actions workflow commands. The text format stays with
 * each command, which has always printed it.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXEMPTION_ANNOTATION_PREFIX } from '../lib/constants';
import { REPO_ROOT } from '../lib/paths';
import { Exemption, Finding, Rule, RULES, RuleSelection } from '../policy';
import { name as TOOL_NAME, version as TOOL_VERSION } from '../package.json';

export const FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}

/** Version of the JSON report's shape; raised when a field changes meaning or goes away. */
export const JSON_REPORT_VERSION = 1;

/** The OASIS schema the SARIF log follows (errata 01, the normative one). */
const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export interface GateReport {
  readonly command: 'check' | 'synth';
  readonly selection: RuleSelection;
  readonly findings: ReadonlyArray<{ readonly cluster?: string; readonly finding: Finding }>;
  readonly exemptions: ReadonlyArray<{ readonly cluster?: string; readonly exemption: Exemption }>;
  /** What was looked at: counts for check, cluster names for synth. */
  readonly scope: { readonly objects?: number; readonly files?: number; readonly clusters?: readonly string[] };
  /** The command's one-line text summary, printed after GitHub's annotations for whoever reads the log. */
  readonly summary?: string;
  /** Extra top-level fields of the JSON report (synth: what was written). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A finding's file relative to the repository root when it lies inside it, absolute otherwise; `/` separated. */
export function reportPath(file: string): string {
  const absolute = path.resolve(file);
  const relative = path.relative(REPO_ROOT, absolute);
  return relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative.split(path.sep).join('/');
}

const groupOf = (ruleId: string) => RULES.find((rule) => rule.id === ruleId)?.group;

function jsonFinding(finding: Finding, cluster: string | undefined) {
  return {
    rule: finding.rule,
    group: groupOf(finding.rule),
    cluster,
    object: finding.object,
    file: finding.source ? reportPath(finding.source.file) : undefined,
    line: finding.source?.line,
    path: finding.path,
    message: finding.message,
    fix: finding.fix,
  };
}

export function renderJson(report: GateReport): string {
  const document = {
    version: JSON_REPORT_VERSION,
    command: report.command,
    result: report.findings.length === 0 ? 'clean' : 'findings',
    rules: { run: report.selection.rules.map((rule) => rule.id), skipped: report.selection.leftOut.map((rule) => rule.id) },
    scope: report.scope,
    findings: report.findings.map(({ cluster, finding }) => jsonFinding(finding, cluster)),
    exemptions: report.exemptions.map(({ cluster, exemption }) => ({
      rule: exemption.rule,
      cluster,
      object: exemption.object,
      file: exemption.source ? reportPath(exemption.source.file) : undefined,
      line: exemption.source?.line,
      reason: exemption.reason,
      findings: exemption.findings.map((finding) => jsonFinding(finding, cluster)),
    })),
    ...report.extra,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

const GROUP_MEANING: Readonly<Record<Rule['group'], string>> = {
  admission: 'the API server, an admission plugin or webhook, or a controller would refuse or drop what this rule finds; it cannot be exempted',
  house: `this repository's policy; an object may be exempted with the annotation ${EXEMPTION_ANNOTATION_PREFIX}<rule>: "<reason>"`,
};

function sarifRule(rule: Rule) {
  const help = `${rule.description}\n\nGroup ${rule.group}: ${GROUP_MEANING[rule.group]}.`;
  return {
    id: rule.id,
    name: rule.id.replace(/(^|-)([a-z0-9])/g, (_match, _dash, letter: string) => letter.toUpperCase()),
    shortDescription: { text: rule.description },
    help: { text: help, markdown: help.replace(`${EXEMPTION_ANNOTATION_PREFIX}<rule>: "<reason>"`, `\`${EXEMPTION_ANNOTATION_PREFIX}${rule.id}: "<reason>"\``) },
    defaultConfiguration: { level: 'error' },
    properties: { group: rule.group, tags: [rule.group] },
  };
}

function objectLabel(object: Finding['object']): string | undefined {
  return object ? `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}` : undefined;
}

function sarifLocation(source: Finding['source']) {
  if (!source) return undefined;
  const file = reportPath(source.file);
  const artifactLocation = path.isAbsolute(file) ? { uri: pathToFileURL(file).href } : { uri: encodeURI(file), uriBaseId: '%SRCROOT%' };
  return { physicalLocation: { artifactLocation, ...(source.line ? { region: { startLine: source.line } } : {}) } };
}

function sarifResult(finding: Finding, cluster: string | undefined, exemption?: Exemption) {
  const location = sarifLocation(finding.source);
  const object = objectLabel(finding.object);
  const where = [cluster ? `[${cluster}]` : undefined, object, finding.path].filter(Boolean).join(' ');
  return {
    ruleId: finding.rule,
    ruleIndex: RULES.findIndex((rule) => rule.id === finding.rule),
    level: 'error',
    message: { text: `${where ? `${where}: ` : ''}${finding.message}\nfix: ${finding.fix}` },
    locations: location ? [{
      ...location,
      ...(object ? { logicalLocations: [{ fullyQualifiedName: `${cluster ? `${cluster}/` : ''}${object}${finding.path ? ` ${finding.path}` : ''}`, kind: 'resource' }] } : {}),
    }] : [],
    ...(exemption ? {
      suppressions: [{ kind: 'inSource', justification: exemption.reason, ...(sarifLocation(exemption.source) ? { location: sarifLocation(exemption.source) } : {}) }],
    } : {}),
    properties: { group: groupOf(finding.rule), ...(cluster ? { cluster } : {}), ...(finding.path ? { fieldPath: finding.path } : {}), fix: finding.fix },
  };
}

/** A SARIF 2.1.0 log with one run: every rule of the gate, every finding, and exempted findings as suppressed results. */
export function renderSarif(report: GateReport): string {
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: TOOL_NAME, version: TOOL_VERSION, rules: RULES.map(sarifRule) } },
      results: [
        ...report.findings.map(({ cluster, finding }) => sarifResult(finding, cluster)),
        ...report.exemptions.flatMap(({ cluster, exemption }) => exemption.findings.map((finding) => sarifResult(finding, cluster, exemption))),
      ],
      properties: { command: report.command, rulesSkipped: report.selection.leftOut.map((rule) => rule.id) },
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** Escapes a workflow command's message, as @actions/core's escapeData does. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command's property value, as @actions/core's escapeProperty does. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function workflowCommand(command: 'error' | 'notice', properties: Record<string, string | number | undefined>, message: string): string {
  const props = Object.entries(properties).filter(([, value]) => value !== undefined).map(([key, value]) => `${key}=${escapeProperty(String(value))}`);
  return `::${command}${props.length > 0 ? ` ${props.join(',')}` : ''}::${escapeData(message)}`;
}

/** GitHub Actions workflow commands: an error annotation per finding, a notice per exemption; then the summary. */
export function renderGithub(report: GateReport): string {
  const lines = [
    ...report.findings.map(({ cluster, finding }) => workflowCommand('error', {
      file: finding.source ? reportPath(finding.source.file) : undefined,
      line: finding.source?.line,
      title: [cluster ? `[${cluster}]` : undefined, finding.rule, objectLabel(finding.object)].filter(Boolean).join(' '),
    }, `${finding.path ? `${finding.path}: ` : ''}${finding.message}\nfix: ${finding.fix}`)),
    ...report.exemptions.map(({ cluster, exemption }) => workflowCommand('notice', {
      file: exemption.source ? reportPath(exemption.source.file) : undefined,
      line: exemption.source?.line,
      title: [cluster ? `[${cluster}]` : undefined, `exempted from ${exemption.rule}`, objectLabel(exemption.object)].filter(Boolean).join(' '),
    }, `${exemption.reason} (${exemption.findings.length} finding(s) exempted)`)),
    ...(report.summary === undefined ? [] : [report.summary]),
  ];
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The report in a machine format (not text, which each command prints itself). */
export function renderReport(format: Exclude<Format, 'text'>, report: GateReport): string {
  switch (format) {
    case 'json': return renderJson(report);
    case 'sarif': return renderSarif(report);
    case 'github': return renderGithub(report);
  }
}
