/**
 * Rendered HelmReleases, cached on disk so a synth in which nothing about a release changed runs no
 * helm at all. The key covers everything the output depends on: the chart archive's digest, the
 * values, the release name and namespace, the Kubernetes and API versions, the CRD and hook
 * choices, and helm's version. Each entry carries the SHA-256 of its content and is used only if it
 * matches (a corrupt entry is rendered again); a folder that cannot be written means rendering
 * without caching, never failing.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

// Part of every key: bump it when what is stored (or how it is post-processed) changes.
const CACHE_FORMAT = 2;

export interface RenderInputs {
  readonly chartSha256: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: unknown;
  readonly kubeVersion: string;
  readonly apiVersions: readonly string[];
  readonly includeCrds: boolean;
  readonly hooks: boolean;
  readonly skipSchemaValidation: boolean;
  readonly helmVersion: string;
}

/** Canonical JSON: object keys sorted, so equal values give equal keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function renderKey(inputs: RenderInputs): string {
  return createHash('sha256').update(`${CACHE_FORMAT}\n${canonical(inputs)}`).digest('hex');
}

export class RenderCache {
  /** Entries read or written by this process (hits and misses), for `--timings` and the tests. */
  readonly stats = { hits: 0, misses: 0, corrupt: 0, unwritable: 0 };

  constructor(private readonly dir: string | undefined) {}

  /** The rendered manifest text stored under `key`, if present and intact. */
  get(key: string): string | undefined {
    if (!this.dir) return undefined;
    let entry: { sha256?: unknown; content?: unknown };
    try {
      entry = JSON.parse(fs.readFileSync(path.join(this.dir, `${key}.json`), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.stats.corrupt++;
      this.stats.misses++;
      return undefined;
    }
    if (typeof entry.content !== 'string' || createHash('sha256').update(entry.content).digest('hex') !== entry.sha256) {
      this.stats.corrupt++;
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return entry.content;
  }

  /**
   * Whether objects with this content hash (which includes the schema bundle's id) were found
   * schema-valid before: their validators then need not be loaded again.
   */
  hasSchemaVerdict(contentHash: string): boolean {
    return this.dir !== undefined && fs.existsSync(path.join(this.dir, `schema-valid-${contentHash}`));
  }

  setSchemaVerdict(contentHash: string): void {
    if (!this.dir) return;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(path.join(this.dir, `schema-valid-${contentHash}`), '');
    } catch {
      this.stats.unwritable++;
    }
  }

  set(key: string, content: string): void {
    if (!this.dir) return;
    const file = path.join(this.dir, `${key}.json`);
    const staging = `${file}.tmp-${process.pid}`;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(staging, JSON.stringify({ sha256: createHash('sha256').update(content).digest('hex'), content }));
      fs.renameSync(staging, file);
    } catch {
      this.stats.unwritable++;
      try {
        fs.rmSync(staging, { force: true });
      } catch {
        // nothing was staged
      }
    }
  }
}
