/**
 * `npm run check -- PATH...`: the synth gate on any YAML files or folders. The files given form one
 * universe (Namespaces among them supply Pod Security labels, ExternalSecrets supply Secrets, CRDs
 * supply kinds). Every HelmRelease among them is rendered from the chart archives of --charts and
 * what it renders is gated too. Exit codes: 0 clean, 1 findings, 2 usage error or nothing to check,
 * 3 internal error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHARTS_DIR, CHARTS_LOCK_FILE, RENDER_CACHE_DIR, REPO_ROOT } from '../lib/paths';
import { ChartStore } from '../pipeline/charts/chart-store';
import { ChartGateResult, gateWithCharts, lazyHelm } from '../pipeline/charts/gate';
import { RenderCache } from '../pipeline/charts/render-cache';
import { HelmUnavailableError } from '../pipeline/charts/tools';
import { readManifests } from '../pipeline/manifest-files';
import { defaultSchemaRegistry } from '../pipeline/synth';
import { describeKubernetesSchemaVersions, isKubernetesSchemaVersion, NEWEST_KUBERNETES_SCHEMA_VERSION } from '../lib/kubernetes-versions';
import { FileRuleOutcomeCache } from '../pipeline/cel-cache';
import { formatExemption, formatFinding, formatNote, HELM_RENDER_RULE, NEWEST_POLICY_MINOR } from '../policy';
import { printable } from '../lib/printable';
import { GATE_OPTIONS, gateUsage, parseGateOptions } from './gate-options';
import { Output, parseCommandLine } from './output';
import { renderReport } from './report';

const USAGE = `usage: npm run check -- [--kubernetes-version 1.MINOR] [--charts DIR] [--only RULE|GROUP]... [--skip RULE|GROUP]... [--format FORMAT] PATH...

Checks YAML manifests (files, or folders walked for *.yaml/*.yml/*.json and kustomization files)
with the synth gate, including what kustomization files generate (secretGenerator,
configMapGenerator) and patch in, and credentials in comments. Folders named flux-system (written
by flux bootstrap), node_modules and .git are not entered; links, FIFOs and devices are never read.
Every HelmRelease among them is rendered (helm template, as helm-controller would, with the same
Kubernetes version) and what it renders is checked too.

  --kubernetes-version 1.MINOR   the cluster's version: objects are validated against its schema
                                 (bundled: ${describeKubernetesSchemaVersions()}) and Pod Security never
                                 applies newer rules (default: schema ${NEWEST_KUBERNETES_SCHEMA_VERSION}, the newest
                                 bundled, which reports the fewest newer fields as unknown; Pod
                                 Security 1.${NEWEST_POLICY_MINOR}, the newest policy known)
  --charts DIR                   chart archives (<chart>-<version>.tgz) to render HelmReleases from;
                                 a ${CHARTS_LOCK_FILE} there is verified when present (default: ${CHARTS_DIR}/)
${gateUsage(33)}

\`--only admission\` reports only what the cluster itself would refuse. Exit codes: 0 clean, 1 findings, 2 usage or nothing to check, 3 internal error.
`;

export function runCheck(argv: readonly string[], stdout: Output, stderr: Output): number {
  try {
    return checkCommand(argv, stdout, stderr);
  } catch (error) {
    // A bug, not a finding: its own exit code, so CI never mistakes it for "the manifests are bad".
    stderr.write(`check: internal error: ${printable((error as Error)?.message ?? String(error), 1000)} (please report it)\n`);
    return 3;
  }
}

function checkCommand(argv: readonly string[], stdout: Output, stderr: Output): number {
  const parsed = parseCommandLine({
    args: [...argv],
    options: { 'kubernetes-version': { type: 'string' }, 'charts': { type: 'string' }, ...GATE_OPTIONS, 'help': { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  }, USAGE, stdout, stderr);
  if (typeof parsed === 'number') return parsed;
  const options = parseGateOptions(parsed.values, USAGE, stderr);
  if (typeof options === 'number') return options;
  const paths = parsed.positionals;
  if (paths.length === 0) {
    stderr.write(`no PATH given\n${USAGE}`);
    return 2;
  }
  const missing = paths.filter((given) => !fs.existsSync(given));
  if (missing.length > 0) {
    stderr.write(`no such file or folder: ${missing.map((given) => printable(given)).join(', ')}\n`);
    return 2;
  }
  const chartsDir = parsed.values.charts ?? path.join(REPO_ROOT, CHARTS_DIR);
  if (!fs.existsSync(chartsDir) || !fs.statSync(chartsDir).isDirectory()) {
    stderr.write(`--charts ${chartsDir}: no such folder\n`);
    return 2;
  }
  let kubernetesMinor: number | undefined;
  const version = parsed.values['kubernetes-version'];
  if (version !== undefined) {
    const match = /^v?1\.(0|[1-9][0-9]*)$/.exec(version);
    if (!match) {
      stderr.write(`--kubernetes-version ${JSON.stringify(version)} must look like 1.33\n`);
      return 2;
    }
    if (!isKubernetesSchemaVersion(`1.${match[1]}`)) {
      stderr.write(`--kubernetes-version ${version}: no bundled schema for Kubernetes 1.${match[1]}; bundled: ${describeKubernetesSchemaVersions()}\n`);
      return 2;
    }
    kubernetesMinor = Number(match[1]);
  }

  const manifests = readManifests(paths);
  for (const folder of manifests.skipped) stderr.write(`skipped ${printable(folder, 1000)}\n`);
  if (manifests.unreadable.length > 0) {
    stderr.write(`check: cannot read:\n${manifests.unreadable.map((line) => `  ${printable(line, 1000)}`).join('\n')}\n`);
    return 2;
  }
  const celCache = new FileRuleOutcomeCache();
  let gate: ChartGateResult;
  try {
    const charts = new ChartStore(chartsDir, false, parsed.values.charts ?? CHARTS_DIR);
    gate = gateWithCharts(manifests.objects, {
      schemas: defaultSchemaRegistry(), kubernetesMinor, celCache, unreadable: manifests.syntaxErrors, rules: options.selection.rules,
      texts: manifests.comments, generated: manifests.generated,
    }, { charts, cache: new RenderCache(path.join(REPO_ROOT, RENDER_CACHE_DIR)), helm: lazyHelm() },
    kubernetesMinor === undefined ? NEWEST_KUBERNETES_SCHEMA_VERSION : `1.${kubernetesMinor}`);
  } catch (error) {
    if (!(error instanceof HelmUnavailableError)) throw error;
    stderr.write(`check: the HelmReleases cannot be rendered, so their pods cannot be checked.\n${error.message}\n`);
    return 1;
  }
  celCache.save();
  if (gate.findings.length === 0 && manifests.objects.length === 0 && manifests.generated.length === 0 && manifests.syntaxErrors.length === 0) {
    stderr.write(`check: nothing to check: no Kubernetes object in ${printable(paths.join(', '), 1000)} (${manifests.files.length} file(s) read)\n`);
    return 2;
  }
  const renderedCount = gate.releases.reduce((sum, release) => sum + release.objects.length, 0);
  const rendered = gate.releases.length > 0 ? ` and ${renderedCount} rendered by ${gate.releases.length} HelmRelease(s)` : '';
  const celNotes = gate.notes.filter((note) => note.rule !== HELM_RENDER_RULE).length;
  const code = gate.findings.length === 0 ? 0 : 1;
  const skipped = options.selection.leftOut.length > 0 ? ` (rules not run: ${options.selection.leftOut.map((rule) => rule.id).join(', ')})` : '';
  const summary = `check: ${manifests.objects.length} object(s) in ${manifests.files.length} file(s)${rendered}: `
    + `${gate.findings.length === 0 ? 'clean' : `${gate.findings.length} problem(s)`}${skipped}`
    + `${celNotes > 0 ? `; ${celNotes} CEL rule evaluation(s) skipped (notes above)` : ''}`;
  if (options.format !== 'text') {
    stdout.write(renderReport(options.format, {
      command: 'check', selection: options.selection, scope: { objects: manifests.objects.length, files: manifests.files.length }, summary,
      findings: gate.findings.map((finding) => ({ finding })), exemptions: gate.exemptions.map((exemption) => ({ exemption })),
    }));
    return code;
  }
  const findings = gate.findings.length === 0 ? '' : `${gate.findings.map((finding) => formatFinding(finding)).join('\n')}\n\n`;
  const notes = gate.notes.map((note) => `${formatNote(note)}\n`).join('');
  stdout.write(`${findings}${gate.exemptions.map((exemption) => `${formatExemption(exemption)}\n`).join('')}${notes}${summary}\n`);
  return code;
}
