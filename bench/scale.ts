/**
 * Cluster configs N times larger than the shipped ones, for the benchmark: N times the namespaces,
 * and in each one a copy of every application secret (so ExternalSecrets and secret keys grow N
 * times too). Secrets in platform namespaces (the Tailscale auth key, the egress proxy's target) stay
 * one each, as in any real cluster.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { clusterConfigFiles } from '../config/load';
import { PLATFORM_NAMESPACES } from '../lib/constants';

interface SecretEntry { name: string; namespace: string; data: Record<string, string>; refreshInterval?: string }
interface NamespaceEntry { name: string; podSecurity?: string }

/** Writes every config of `sourceDir`, scaled `scale` times, into `targetDir`. */
export function writeScaledConfigs(sourceDir: string, targetDir: string, scale: number): void {
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`scale must be a positive integer, got ${scale}`);
  fs.mkdirSync(targetDir, { recursive: true });
  for (const file of clusterConfigFiles(sourceDir)) {
    const config = YAML.parse(fs.readFileSync(file, 'utf8')) as { namespaces?: NamespaceEntry[]; secrets: SecretEntry[] };
    const namespaces = config.namespaces ?? [];
    const isPlatform = (secret: SecretEntry) => (PLATFORM_NAMESPACES as readonly string[]).includes(secret.namespace);
    const platformSecrets = config.secrets.filter(isPlatform);
    const appSecrets = config.secrets.filter((secret) => !isPlatform(secret));
    const copy = (name: string, index: number) => (index === 0 ? name : `${name}-${index + 1}`);
    const scaledNamespaces: NamespaceEntry[] = [];
    const scaledSecrets: SecretEntry[] = [...platformSecrets];
    for (let index = 0; index < scale; index++) {
      scaledNamespaces.push(...namespaces.map((namespace) => ({ ...namespace, name: copy(namespace.name, index) })));
      scaledSecrets.push(...appSecrets.map((secret) => ({
        ...secret,
        namespace: copy(secret.namespace, index),
        data: Object.fromEntries(Object.entries(secret.data).map(([key, escPath]) => [key, `${escPath}${index === 0 ? '' : `[${index}]`}`])),
      })));
    }
    fs.writeFileSync(path.join(targetDir, path.basename(file)), YAML.stringify({ ...config, namespaces: scaledNamespaces, secrets: scaledSecrets }));
  }
}
