/**
 * `npm run import`: regenerates everything in imports/ from the vendored sources, offline.
 *
 * 1. For each CRD listed in cdk8s.yaml, drop the versions the CRD no longer serves (ESO still ships
 *    v1beta1 with `served: false`; its classes would be dead weight of about 1 MB) and run
 *    `cdk8s import NAME:=FILE` on that copy, one command per CRD.
 * 2. Write imports/schemas.json: the closed JSON Schemas of the built-in kinds of every bundled
 *    Kubernetes version (imports/k8s-<version>/_definitions.json, lib/kubernetes-versions.ts) and of
 *    every served CRD version with its CEL rules, for the synth gate.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { buildSchemaBundle, readCrd } from '../policy/schema/bundle';
import { REPO_ROOT, SCHEMA_BUNDLE_FILE } from '../lib/paths';

function importSpecs(): Array<{ name: string; file: string }> {
  const config = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk8s.yaml'), 'utf8')) as { imports?: string[] };
  return (config.imports ?? []).map((spec) => {
    const [name, file] = spec.split(':=');
    if (!name || !file) throw new Error(`cdk8s.yaml: imports entry "${spec}" must read NAME:=PATH`);
    return { name, file };
  });
}

function generateBindings(specs: Array<{ name: string; file: string }>): void {
  // The package's "exports" map hides bin/, so resolve the package root and join the path.
  const cli = path.join(path.dirname(require.resolve('cdk8s-cli/package.json', { paths: [REPO_ROOT] })), 'bin', 'cdk8s');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'oceanid-import-'));
  try {
    for (const { name, file } of specs) {
      const crd = readCrd(file);
      crd.spec.versions = crd.spec.versions.filter((version) => version.served);
      const servedOnly = path.join(scratch, path.basename(file));
      fs.writeFileSync(servedOnly, YAML.stringify(crd));
      const output = path.join(REPO_ROOT, 'imports');
      execFileSync(process.execPath, [cli, 'import', '--no-check-upgrade', '--language', 'typescript', '--output', output, `${name}:=${servedOnly}`], {
        // Not the repo root: there the CLI would append each spec to our cdk8s.yaml.
        cwd: scratch,
        // The CLI prints progress on stderr; keep it (and stdout) for when the import fails.
        stdio: 'pipe',
      });
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function main(): void {
  const specs = importSpecs();
  generateBindings(specs);
  const bundle = buildSchemaBundle(specs.map((spec) => spec.file));
  fs.writeFileSync(path.join(REPO_ROOT, SCHEMA_BUNDLE_FILE), `${JSON.stringify(bundle, null, 1)}\n`);
  const versions = Object.keys(bundle.kubernetes).join(', ');
  process.stdout.write(`imports/: ${specs.length} CRD bindings; ${SCHEMA_BUNDLE_FILE}: Kubernetes ${versions}, ${Object.keys(bundle.definitions).length} distinct definitions\n`);
}

main();
