/**
 * JSON-Schema validation of manifests against the schema bundle, with ajv.
 *
 * Compiling is the expensive part (about 0.3 s for a DaemonSet, 0.6 s for a ClusterSecretStore, whose
 * provider union is large), and synth runs dozens of times a day on the same few kinds. So each
 * kind's validator is compiled once to standalone JavaScript and cached on disk with V8's code cache
 * beside it, keyed by the bundle's content hash: a new bundle (`npm run import`) gets fresh
 * validators, and a cached ClusterSecretStore validator loads in about 12 ms instead of 90 ms.
 *
 * The cache is code that runs, so it must not be able to lie: every cached file has a sha256 beside
 * it (`<file>.sha256`), written after the file, and is used only when the two agree. A truncated,
 * empty or replaced file (`module.exports=()=>true`) fails the check and is compiled afresh; any
 * error while loading a cached validator does the same. A cache folder that cannot be written means
 * validating from memory. The hash stops corruption and a lone replaced file; it cannot stop someone
 * who may write the cache folder and its hashes (as they could write node_modules/ajv itself): see
 * the README on never restoring this folder from an untrusted CI cache.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { ErrorObject, Options } from 'ajv';
import { version as AJV_VERSION } from 'ajv/package.json';
import { PathSegment, pointerSegments } from '../../lib/field-path';
import { definitionsAt, KindInfo, SchemaBundle } from './kinds';

/** One way an object fails its schema. */
export interface SchemaIssue {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/** What the registry knows of a kind without loading any schema (CRD versions keep their CEL skeleton). */
export type KindSummary = Omit<KindInfo, 'versions'> & { readonly versions: Readonly<Record<string, { readonly served: boolean; readonly cel?: unknown }>> };

type KindIndex = Record<string, Record<string, KindSummary>>;

// Part of every cache key, with the bundle's hash and ajv's version: bump it when the generated
// code or the ajv options change, so old cache entries are not reused.
const CACHE_FORMAT = 4;

const AJV_OPTIONS: Options = { allErrors: true, strict: false, validateFormats: false, code: { source: true } };

/**
 * ajv itself is loaded only when a validator has to be compiled: a synth whose validators are all
 * cached never pays for it.
 */
function loadAjv() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { default: Ajv } = require('ajv') as typeof import('ajv');
  const { default: standaloneCode } = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { Ajv, standaloneCode };
}

/**
 * The definitions a schema reaches through `$ref`, and nothing else: ajv's standalone code embeds
 * the root schema, and all 570 Kubernetes definitions would make every validator 200 KB larger.
 */
function reachableDefinitions(schema: unknown, definitions: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const reached: Record<string, unknown> = {};
  const pending: unknown[] = [schema];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      pending.push(...node);
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/')) {
          const name = value.slice('#/definitions/'.length);
          if (!(name in reached) && name in definitions) {
            reached[name] = definitions[name];
            pending.push(definitions[name]);
          }
        } else {
          pending.push(value);
        }
      }
    }
  }
  return reached;
}

type CompiledValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

interface LoadedValidator {
  readonly validate: CompiledValidator;
  /** Set until V8's code cache for this validator has been written. */
  saveCodeCache?: () => void;
}

function writeAtomically(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, data);
  fs.renameSync(partial, file);
}

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** A cached file, only if its recorded sha256 matches its content; undefined otherwise (absent, truncated, replaced). */
function readVerified(file: string): Buffer | undefined {
  try {
    const data = fs.readFileSync(file);
    const recorded = fs.readFileSync(`${file}.sha256`, 'utf8').trim();
    return recorded === sha256(data) ? data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The bundle's schemas, with compiled validators cached on disk. Validation happens at one
 * Kubernetes version: `at(version)`.
 */
export class SchemaRegistry {
  private bundle?: SchemaBundle;
  private readonly indexes = new Map<string, KindIndex>();
  private readonly cachePrefix: string;
  /** Identifies the bundle and validator code (content hash, cache format, ajv version): equal ids validate alike. */
  readonly id: string;
  private readonly validators = new Map<string, LoadedValidator>();
  /** False once the cache folder refused a write: from then on validators live in memory only. */
  private cacheWritable = true;

  /**
   * @param bundleFile imports/schemas.json, or another bundle of the same shape
   * @param cacheDir where compiled validators are kept between runs
   */
  constructor(private readonly bundleFile: string, cacheDir: string) {
    const hash = crypto.createHash('sha256').update(fs.readFileSync(bundleFile)).update(`${CACHE_FORMAT} ajv ${AJV_VERSION}`).digest('hex').slice(0, 16);
    this.cachePrefix = path.join(cacheDir, hash);
    this.id = hash;
  }

  /** The schemas of one bundled Kubernetes version (`1.33`); throws for a version the bundle lacks. */
  at(kubernetesVersion: string): VersionedSchemas {
    const index = this.kindIndex(kubernetesVersion);
    return {
      kubernetesVersion,
      kind: (group, kind) => index[group]?.[kind],
      validate: (group, version, kind, object) => this.validate(kubernetesVersion, group, version, kind, object),
      validateWith: (schema, object) => this.validateWith(kubernetesVersion, schema, object),
    };
  }

  /**
   * Every `group/version/Kind` served at a Kubernetes version (`v1/Kind` for the core group), as
   * `helm template --api-versions` takes them, sorted: what `.Capabilities.APIVersions.Has` sees.
   */
  servedApiVersions(kubernetesVersion: string): string[] {
    const out: string[] = [];
    for (const [group, kinds] of Object.entries(this.kindIndex(kubernetesVersion))) {
      for (const [kind, summary] of Object.entries(kinds)) {
        for (const [version, { served }] of Object.entries(summary.versions)) {
          if (served) out.push(`${group === '' ? '' : `${group}/`}${version}/${kind}`);
        }
      }
    }
    return out.sort();
  }

  private validate(kubernetesVersion: string, group: string, version: string, kind: string, object: unknown): SchemaIssue[] {
    const loaded = this.validator(kubernetesVersion, group, version, kind);
    const valid = loaded.validate(object);
    const issues = valid ? [] : summarize(loaded.validate.errors ?? []);
    // Written after a first run, so the cache also holds the functions V8 compiled lazily.
    loaded.saveCodeCache?.();
    loaded.saveCodeCache = undefined;
    return issues;
  }

  /**
   * Validates against a schema that is not in the bundle (a CRD found among the checked files).
   * Compiled every time: such schemas are rare and change with the files.
   */
  private validateWith(kubernetesVersion: string, schema: unknown, object: unknown): SchemaIssue[] {
    const { Ajv } = loadAjv();
    const ajv = new Ajv({ ...AJV_OPTIONS, code: {} });
    const validate = ajv.compile({ definitions: reachableDefinitions(schema, definitionsAt(this.loadBundle(), kubernetesVersion)), ...(schema as object) });
    return validate(object) ? [] : summarize(validate.errors ?? []);
  }

  private loadBundle(): SchemaBundle {
    this.bundle ??= JSON.parse(fs.readFileSync(this.bundleFile, 'utf8')) as SchemaBundle;
    return this.bundle;
  }

  /** Built-in kinds of the version, then the vendored CRDs' kinds over them; cached per version. */
  private kindIndex(kubernetesVersion: string): KindIndex {
    const known = this.indexes.get(kubernetesVersion);
    if (known) return known;
    const indexFile = `${this.cachePrefix}-index-${kubernetesVersion}.json`;
    const cached = readVerified(indexFile);
    let parsed: KindIndex | undefined;
    try {
      parsed = cached ? JSON.parse(cached.toString('utf8')) as KindIndex : undefined;
    } catch {
      parsed = undefined;
    }
    let index: KindIndex;
    if (parsed && typeof parsed === 'object') {
      index = parsed;
    } else {
      const bundle = this.loadBundle();
      const builtIn = bundle.kubernetes[kubernetesVersion];
      if (!builtIn) {
        throw new Error(`no bundled Kubernetes ${kubernetesVersion} schema (bundled: ${Object.keys(bundle.kubernetes).join(', ')})`);
      }
      index = {};
      for (const table of [builtIn.kinds, bundle.crds]) {
        for (const [group, kinds] of Object.entries(table)) {
          for (const [kind, info] of Object.entries(kinds)) {
            (index[group] ??= {})[kind] = {
              scope: info.scope,
              source: info.source,
              versions: Object.fromEntries(Object.entries(info.versions)
                .map(([version, { served, cel }]) => [version, cel === undefined ? { served } : { served, cel }])),
            };
          }
        }
      }
      this.writeCached(indexFile, JSON.stringify(index));
      this.pruneOtherBundles();
    }
    this.indexes.set(kubernetesVersion, index);
    return index;
  }

  /** Writes a cache file and then its hash; a folder that refuses the write turns the cache off for this run. */
  private writeCached(file: string, data: string | Buffer): void {
    if (!this.cacheWritable) return;
    try {
      writeAtomically(file, data);
      writeAtomically(`${file}.sha256`, `${sha256(data)}\n`);
    } catch {
      this.cacheWritable = false;
    }
  }

  /** A new bundle makes every older cache entry dead weight: remove those (best effort). */
  private pruneOtherBundles(): void {
    if (!this.cacheWritable) return;
    const dir = path.dirname(this.cachePrefix);
    const current = path.basename(this.cachePrefix);
    try {
      for (const entry of fs.readdirSync(dir)) {
        if (!entry.startsWith(current)) fs.rmSync(path.join(dir, entry), { force: true });
      }
    } catch {
      // a cache we cannot tidy is still a cache
    }
  }

  /** Runs a validator's standalone code; V8's code cache is used only when given (and verified). */
  private load(code: string, codeFile: string, cachedData: Buffer | undefined): { validate: CompiledValidator; script: vm.Script } {
    const script = new vm.Script(`(function (module, exports, require) {${code}\n})`, { filename: codeFile, cachedData });
    const module = { exports: {} as { default?: CompiledValidator } };
    script.runInThisContext()(module, module.exports, require);
    const validate = (module.exports.default ?? module.exports) as CompiledValidator;
    if (typeof validate !== 'function') throw new Error(`${codeFile} does not export a validator`);
    return { validate, script };
  }

  private validator(kubernetesVersion: string, group: string, version: string, kind: string): LoadedValidator {
    const key = `${kubernetesVersion}_${group || 'core'}_${version}_${kind}`;
    let loaded = this.validators.get(key);
    if (!loaded) {
      const codeFile = `${this.cachePrefix}-${key}.js`;
      const codeCacheFile = `${codeFile}.v8`;
      const cachedCode = readVerified(codeFile)?.toString('utf8');
      let cachedData = cachedCode === undefined ? undefined : readVerified(codeCacheFile);
      let result: { validate: CompiledValidator; script: vm.Script } | undefined;
      if (cachedCode !== undefined) {
        try {
          result = this.load(cachedCode, codeFile, cachedData);
        } catch {
          // Whatever is wrong with the cached entry, compiling afresh is always right.
          result = undefined;
        }
      }
      if (result === undefined) {
        const code = this.compile(kubernetesVersion, group, version, kind);
        cachedData = undefined;
        result = this.load(code, codeFile, undefined);
        this.writeCached(codeFile, code);
      }
      const { validate, script } = result;
      const needsCodeCache = cachedData === undefined || script.cachedDataRejected === true;
      loaded = { validate, saveCodeCache: needsCodeCache ? () => this.writeCached(codeCacheFile, script.createCachedData()) : undefined };
      this.validators.set(key, loaded);
    }
    return loaded;
  }

  private compile(kubernetesVersion: string, group: string, version: string, kind: string): string {
    const bundle = this.loadBundle();
    const info = bundle.crds[group]?.[kind] ?? bundle.kubernetes[kubernetesVersion]?.kinds[group]?.[kind];
    const schema = info?.versions[version]?.schema;
    if (schema === undefined) throw new Error(`no served schema for ${group || 'core'}/${version} ${kind}`);
    const { Ajv, standaloneCode } = loadAjv();
    const ajv = new Ajv(AJV_OPTIONS);
    return standaloneCode(ajv, ajv.compile({ definitions: reachableDefinitions(schema, definitionsAt(bundle, kubernetesVersion)), ...(schema as object) }));
  }
}

/** The registry at one Kubernetes version: what checkSchemas and the CEL check use. */
export interface VersionedSchemas {
  readonly kubernetesVersion: string;
  /** The kind's scope and versions, or undefined when the bundle does not know the kind at this version. */
  kind(group: string, kind: string): KindSummary | undefined;
  /** Validates one object against the schema of its group, version and kind (which must be served). */
  validate(group: string, version: string, kind: string, object: unknown): SchemaIssue[];
  /** Validates against a schema that is not in the bundle (a CRD found among the checked files). */
  validateWith(schema: unknown, object: unknown): SchemaIssue[];
}

function describeType(error: ErrorObject): string {
  const expected = (error.params as { type?: string | string[] }).type;
  return `must be ${Array.isArray(expected) ? expected.join(' or ') : expected}`;
}

/**
 * Ajv reports every failed branch of a oneOf/anyOf and repeats errors; reduce them to one message
 * per problem, worded for someone editing a manifest.
 */
function summarize(errors: readonly ErrorObject[]): SchemaIssue[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const issues = new Map<string, SchemaIssue>();
  const add = (pointer: string, extra: PathSegment[], message: string) => {
    const issuePath = [...pointerSegments(pointer), ...extra];
    issues.set(`${JSON.stringify(issuePath)}|${message}`, { path: issuePath, message });
  };
  for (const error of errors) {
    const insideUnion = unions.some((union) => union.instancePath === error.instancePath && error.schemaPath.startsWith(`${union.schemaPath}/`));
    if (insideUnion) continue;
    switch (error.keyword) {
      case 'additionalProperties': {
        const field = (error.params as { additionalProperty: string }).additionalProperty;
        add(error.instancePath, [field], 'unknown field: the API server would drop it (check the spelling and the API version)');
        break;
      }
      case 'required': {
        const field = (error.params as { missingProperty: string }).missingProperty;
        add(error.instancePath, [field], 'required field is missing');
        break;
      }
      case 'type':
        add(error.instancePath, [], describeType(error));
        break;
      case 'enum':
        add(error.instancePath, [], `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      case 'oneOf':
      case 'anyOf':
        add(error.instancePath, [], 'matches none of the allowed shapes (for example an integer or a string where both are allowed)');
        break;
      default:
        add(error.instancePath, [], error.message ?? `fails ${error.keyword}`);
    }
  }
  return [...issues.values()];
}
