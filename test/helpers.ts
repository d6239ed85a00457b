/**
 * Shared test helpers: shipped configs with overrides, temporary folders, and credential-shaped
 * strings built at run time (never written out literally, so no scanner mistakes the tests for leaks).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { parseClusterConfig } from '../config/load';
import { ClusterConfig } from '../config/schema';
import { REPO_ROOT } from '../lib/paths';
import { defaultSchemaRegistry } from '../pipeline/synth';
import { Finding, GateOptions, Rule, ruleById, runGate } from '../policy';
import { ManifestObject } from '../policy/types';

/** The text of a shipped config file. */
export function shippedConfigText(cluster: 'prod' | 'dev'): string {
  return fs.readFileSync(path.join(REPO_ROOT, 'config', `${cluster}.yaml`), 'utf8');
}

const shippedData = new Map<string, Record<string, any>>();
/** The parsed YAML of a shipped config (a fresh copy each call), to mutate in a test. */
export function shippedConfigData(cluster: 'prod' | 'dev'): Record<string, any> {
  if (!shippedData.has(cluster)) shippedData.set(cluster, YAML.parse(shippedConfigText(cluster)));
  return structuredClone(shippedData.get(cluster)!);
}

/** A shipped config, validated, with `change` applied to its YAML data first. */
export function config(cluster: 'prod' | 'dev', change: (data: Record<string, any>) => void = () => undefined): ClusterConfig {
  const data = shippedConfigData(cluster);
  change(data);
  const result = parseClusterConfig(`config/${cluster}.yaml`, YAML.stringify(data));
  if (!result.config) throw new Error(`test config is invalid: ${JSON.stringify(result.issues, null, 2)}`);
  return result.config;
}

const temporary: string[] = [];
process.on('exit', () => temporary.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix = 'oceanid-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** A config folder holding the shipped dev config and prod with `change` applied to its YAML data. */
export function configDirWithProd(change: (prod: Record<string, any>) => void = () => undefined): string {
  const dir = tempDir();
  const prod = shippedConfigData('prod');
  change(prod);
  fs.writeFileSync(path.join(dir, 'prod.yaml'), YAML.stringify(prod));
  fs.writeFileSync(path.join(dir, 'dev.yaml'), shippedConfigText('dev'));
  return dir;
}

/**
 * Every file under `dir` (relative path → its bytes as a latin1 string, one character per byte), for
 * byte-for-byte comparisons: strings compare at once, where toEqual walks a Buffer byte by byte.
 */
export function snapshotDir(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else out.set(child, fs.readFileSync(path.join(dir, child)).toString('latin1'));
    }
  };
  walk('');
  return out;
}

/** Credential-shaped strings, assembled at run time. */
export const fakeCredentials = {
  tailscale: () => ['tskey', 'auth', 'k1A2b3C4d5E6', 'F7g8H9i0J1k2L3m4N5o6P7q8'].join('-'),
  aws: () => `AKIA${'IOSFODNN7EXAMPLE'}`,
  pulumi: () => `pul-${'0123456789abcdef'.repeat(2)}${'01234567'}`,
  // The base64 every OpenSSH key file starts with ("openssh-key-v1", no cipher): a shape, not a key.
  privateKey: () => `${['-----BEGIN', 'OPENSSH PRIVATE KEY-----'].join(' ')}\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAA`,
};

/** Manifests as gate input, named as if they came from `file`. */
export function objects(manifests: ReadonlyArray<Record<string, unknown>>, file = 'test.yaml'): ManifestObject[] {
  return manifests.map((manifest) => ({ manifest, source: { file } }));
}

let registry: ReturnType<typeof defaultSchemaRegistry> | undefined;
/** The repo's schema registry, shared within a test file. */
export function schemas(): ReturnType<typeof defaultSchemaRegistry> {
  registry ??= defaultSchemaRegistry();
  return registry;
}

/** The findings of the rules with these ids (exemptions applied) for these manifests, in the gate's order. */
export function findingsOf(ruleIds: readonly string[], manifests: ReadonlyArray<Record<string, unknown>>, options: Partial<GateOptions> = {}): Finding[] {
  const rules = ruleIds.map((id) => ruleById(id) ?? (() => { throw new Error(`no rule ${id}`); })()) as Rule[];
  return [...runGate(objects(manifests), { schemas: schemas(), rules, ...options }).findings];
}
