#!/usr/bin/env node
// Reads the JSON log of `renovate --platform=local --dry-run=extract` on stdin, lists what Renovate
// found, and fails if a pin it should see is missing. The pins are derived from what is in use, not
// from a hand-kept list:
//   - every image and HelmRelease chart version in the committed flux/ (the synthesized tree),
//   - every chart in charts/charts.lock.json (the vendored archives, when present),
//   - every `// renovate:` comment in the TypeScript sources (each must produce a dependency),
//   - every `apps:` entry with a version in config/*.yaml.
// An image or chart added without a `// renovate:` comment (or outside a managed file) fails here.
// It also refuses regex features Renovate's RE2 engine rejects (lookaround, backreferences): this
// machine's Renovate falls back to JavaScript RegExp, which accepts them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_ROOTS = ['main.ts', 'lib', 'config', 'constructs', 'policy', 'pipeline', 'cli', 'scripts', 'bench'];
const problems = [];

// --- what Renovate extracted ---------------------------------------------------------------------
const records = fs.readFileSync(0, 'utf8').split('\n').flatMap((line) => {
  try {
    return [JSON.parse(line)];
  } catch {
    return [];
  }
});
for (const record of records) {
  if (record.level >= 50) problems.push(`renovate logged an error: ${record.msg}${record.err ? ` (${record.err.message})` : ''}`);
}
const extraction = records.find((record) => record.packageFiles);
if (!extraction) {
  process.stderr.write('renovate-pins: no "Extracted dependencies" record in the log: did Renovate find .github/renovate.json5 and run with --dry-run=extract?\n');
  process.exit(1);
}
const deps = Object.entries(extraction.packageFiles).flatMap(([manager, files]) => files.flatMap((file) => file.deps.map((dep) => ({
  manager, file: file.packageFile, datasource: dep.datasource, depName: dep.depName, currentValue: dep.currentValue,
  currentDigest: dep.currentDigest, registryUrls: dep.registryUrls ?? [], skipReason: dep.skipReason,
}))));
const regexDeps = deps.filter((dep) => dep.manager === 'regex');
const counts = new Map();
for (const dep of deps) counts.set(dep.manager, (counts.get(dep.manager) ?? 0) + 1);
const byManager = [...counts].map(([manager, count]) => `${manager} ${count}`).join(', ');
process.stdout.write(`Renovate sees ${deps.length} dependencies (${byManager}); pins from the custom managers:\n`);
for (const dep of regexDeps) {
  process.stdout.write(`  ${dep.datasource} ${dep.depName} ${dep.currentValue ?? dep.currentDigest}${dep.registryUrls.length ? ` (${dep.registryUrls.join(', ')})` : ''}  in ${dep.file}\n`);
}
// Other managers' skips are expected here (no GitHub token for github-actions lookups; setup-node
// reads its version from .node-version, which the nodenv manager updates).
for (const dep of regexDeps.filter((dep) => dep.skipReason)) {
  problems.push(`${dep.file}: Renovate skips ${dep.depName} (${dep.skipReason})`);
}

const normalizeUrl = (url) => url.replace(/\/+$/, '');
function expect(description, matches) {
  if (!regexDeps.some(matches)) problems.push(`not seen by Renovate: ${description}`);
}

// --- what is in use ------------------------------------------------------------------------------
function* walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'flux-system') yield* walk(full);
    } else {
      yield full;
    }
  }
}

function splitImage(image) {
  const at = image.indexOf('@');
  const [name, digest] = at >= 0 ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
  const colon = name.lastIndexOf(':');
  const tagged = colon > name.lastIndexOf('/');
  return { repository: tagged ? name.slice(0, colon) : name, tag: tagged ? name.slice(colon + 1) : undefined, digest };
}

function* imagesIn(node) {
  if (Array.isArray(node)) {
    for (const item of node) yield* imagesIn(item);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'image' && typeof value === 'string') yield value;
      else if (key === 'image' && value && typeof value.repository === 'string' && typeof value.tag === 'string') yield `${value.repository}:${value.tag}`;
      else yield* imagesIn(value);
    }
  }
}

const seenImages = new Set();
const seenCharts = new Set();
for (const file of walk(path.join(ROOT, 'flux'))) {
  if (!file.endsWith('.yaml')) continue;
  const relative = path.relative(ROOT, file);
  for (const document of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    const manifest = document.toJS();
    for (const image of imagesIn(manifest)) {
      if (seenImages.has(image)) continue;
      seenImages.add(image);
      const { repository, tag, digest } = splitImage(image);
      expect(`image ${image} (${relative})`, (dep) => dep.datasource === 'docker' && dep.depName === repository
        && (tag === undefined || dep.currentValue === tag) && (digest === undefined || dep.currentDigest === digest));
    }
    const chart = manifest?.kind === 'HelmRelease' ? manifest.spec?.chart?.spec : undefined;
    if (chart && typeof chart.version === 'string' && !seenCharts.has(`${chart.chart}@${chart.version}`)) {
      seenCharts.add(`${chart.chart}@${chart.version}`);
      expect(`chart ${chart.chart} ${chart.version} of HelmRelease ${manifest.metadata?.namespace}/${manifest.metadata?.name} (${relative})`,
        (dep) => dep.datasource === 'helm' && dep.depName === chart.chart && dep.currentValue === chart.version);
    }
  }
}

const lockFile = path.join(ROOT, 'charts', 'charts.lock.json');
if (fs.existsSync(lockFile)) {
  for (const entry of JSON.parse(fs.readFileSync(lockFile, 'utf8')).charts ?? []) {
    expect(`chart ${entry.chart} ${entry.version} from ${entry.repository} (charts/charts.lock.json)`, (dep) => dep.datasource === 'helm'
      && dep.depName === entry.chart && dep.currentValue === entry.version && dep.registryUrls.map(normalizeUrl).includes(normalizeUrl(entry.repository)));
  }
}

const COMMENT = /^\s*\/\/ renovate: datasource=(\S+)(?: registryUrl=(\S+))? depName=(\S+)\s*$/;
for (const root of SOURCE_ROOTS) {
  const start = path.join(ROOT, root);
  if (!fs.existsSync(start)) continue;
  const files = fs.statSync(start).isDirectory() ? [...walk(start)] : [start];
  for (const file of files.filter((name) => name.endsWith('.ts'))) {
    const relative = path.relative(ROOT, file);
    fs.readFileSync(file, 'utf8').split('\n').forEach((line, index) => {
      if (!line.includes('// renovate:')) return;
      const match = COMMENT.exec(line);
      if (!match) {
        problems.push(`${relative}:${index + 1}: malformed pin comment; write "// renovate: datasource=<docker|helm> [registryUrl=<url>] depName=<name>"`);
        return;
      }
      expect(`${match[1]} ${match[3]} under the comment at ${relative}:${index + 1}`,
        (dep) => dep.file === relative && dep.datasource === match[1] && dep.depName === match[3]);
    });
  }
}

for (const file of fs.readdirSync(path.join(ROOT, 'config')).filter((name) => /\.ya?ml$/.test(name))) {
  const config = YAML.parse(fs.readFileSync(path.join(ROOT, 'config', file), 'utf8'));
  for (const [index, app] of (Array.isArray(config?.apps) ? config.apps : []).entries()) {
    if (app?.version === undefined) continue;
    expect(`apps[${index}] ${app.chart} ${app.version} (config/${file})`, (dep) => dep.file === `config/${file}` && dep.datasource === 'helm'
      && dep.depName === app.chart && dep.currentValue === String(app.version) && dep.registryUrls.map(normalizeUrl).includes(normalizeUrl(String(app.repository))));
  }
}

const renovateConfig = fs.readFileSync(path.join(ROOT, '.github', 'renovate.json5'), 'utf8');
for (const feature of ['(?=', '(?!', '(?<=', '(?<!', '\\\\1']) {
  if (renovateConfig.includes(feature)) problems.push(`.github/renovate.json5 uses ${feature.replace('\\\\', '\\')}, which RE2 (hosted Renovate's regex engine) rejects`);
}

if (problems.length > 0) {
  process.stderr.write(`\n${problems.length} problem(s):\n${problems.map((problem) => `  ${problem}`).join('\n')}\n`
    + 'A pin belongs on its own line under "// renovate: datasource=... depName=..." in lib/ (see README, "Updating pinned versions").\n');
  process.exit(1);
}
process.stdout.write(`every pin in use is seen: ${seenImages.size} image(s), ${seenCharts.size} HelmRelease chart(s), the chart lock, the pin comments and config apps\n`);
