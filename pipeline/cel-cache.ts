/**
 * The CEL rule outcomes of recent runs, on disk: loading the CEL library costs about 100 ms, and an
 * unchanged tree asks the same rules about the same values every time. Synth (both clusters) and
 * check (often one) ask about different objects, so a run keeps earlier entries too: the ones it
 * used first, then the others, up to MAX_ENTRIES.
 *
 * An outcome decides whether the gate passes an object, so, like the validator cache, the file is
 * trusted only when the sha256 written beside it (`cel-outcomes.json.sha256`) matches: a truncated,
 * edited or replaced file is ignored and every rule runs again.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, VALIDATOR_CACHE_DIR } from '../lib/paths';
import type { RuleOutcome, RuleOutcomeCache } from '../policy';

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** About 100 KB of JSON; the shipped tree uses 6. */
const MAX_ENTRIES = 2000;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Exactly one of the three shapes the evaluator stores. */
function isOutcome(value: unknown): value is RuleOutcome {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  return keys[0] === 'held' ? value.held === true : (keys[0] === 'failed' || keys[0] === 'skipped') && typeof value[keys[0]] === 'string';
}

export class FileRuleOutcomeCache implements RuleOutcomeCache {
  private readonly previous: Map<string, RuleOutcome>;
  private readonly used = new Map<string, RuleOutcome>();
  private changed = false;

  constructor(private readonly file: string = path.join(REPO_ROOT, path.dirname(VALIDATOR_CACHE_DIR), 'cel-outcomes.json')) {
    let entries: unknown = {};
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (fs.readFileSync(`${file}.sha256`, 'utf8').trim() === sha256(text)) entries = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // No cache yet, or a damaged one: start empty.
    }
    // A file whose hash matches can still hold what no run of this version wrote (an older format, a
    // hand edit with its hash): only well-formed outcomes are kept, the rest are evaluated again.
    this.previous = new Map(isRecord(entries) ? Object.entries(entries).filter((entry): entry is [string, RuleOutcome] => isOutcome(entry[1])) : []);
  }

  get(key: string): RuleOutcome | undefined {
    const outcome = this.used.get(key) ?? this.previous.get(key);
    if (outcome) this.used.set(key, outcome);
    return outcome;
  }

  set(key: string, outcome: RuleOutcome): void {
    this.used.set(key, outcome);
    this.changed = true;
  }

  /** Writes the outcomes, if this run added any (best effort: a cache is never worth failing a run). */
  save(): void {
    if (!this.changed) return;
    const kept = [...this.used, ...[...this.previous].filter(([key]) => !this.used.has(key))].slice(0, MAX_ENTRIES);
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const text = JSON.stringify(Object.fromEntries(kept));
      for (const [target, data] of [[this.file, text], [`${this.file}.sha256`, `${sha256(text)}\n`]]) {
        const partial = `${target}.${process.pid}.tmp`;
        fs.writeFileSync(partial, data);
        fs.renameSync(partial, target);
      }
    } catch {
      // Read-only checkout or full disk: the next run evaluates again.
    }
  }
}
