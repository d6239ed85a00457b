/**
 * The CEL rule outcomes of the last run, on disk: loading the CEL library costs about 100 ms, and
 * an unchanged tree asks the same rules about the same values every time. Entries not used by a run
 * are dropped when it saves, so the file holds one run's worth.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, VALIDATOR_CACHE_DIR } from '../lib/paths';
import type { RuleOutcome, RuleOutcomeCache } from '../policy';

export class FileRuleOutcomeCache implements RuleOutcomeCache {
  private readonly previous: Map<string, RuleOutcome>;
  private readonly used = new Map<string, RuleOutcome>();
  private changed = false;

  constructor(private readonly file: string = path.join(REPO_ROOT, path.dirname(VALIDATOR_CACHE_DIR), 'cel-outcomes.json')) {
    let entries: Record<string, RuleOutcome> = {};
    try {
      entries = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, RuleOutcome>;
    } catch {
      // No cache yet, or a damaged one: start empty.
    }
    this.previous = new Map(Object.entries(entries));
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

  /** Writes the outcomes this run used, if anything changed (best effort: a cache is never worth failing a run). */
  save(): void {
    if (!this.changed && this.used.size === this.previous.size) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const partial = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(partial, JSON.stringify(Object.fromEntries([...this.used].sort(([a], [b]) => (a < b ? -1 : 1)))));
      fs.renameSync(partial, this.file);
    } catch {
      // Read-only checkout or full disk: the next run evaluates again.
    }
  }
}
