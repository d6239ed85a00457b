/**
 * The vocabulary of the policy gate: manifests as plain objects, where they came from, and what is
 * wrong with them.
 */
import { PathSegment } from '../lib/field-path';

/** Where a manifest came from. `locate` maps a field path to its line, when the source is a parsed file. */
export interface SourceRef {
  readonly file: string;
  readonly line?: number;
  readonly locate?: (path: readonly PathSegment[]) => number | undefined;
  /**
   * Set on objects Helm rendered from a HelmRelease (`HelmRelease apps/label-studio`); `file` then
   * names the chart (`chart label-studio 2.0.5`). Such objects are never written to flux/.
   */
  readonly renderedBy?: string;
}

/** One object of the universe: a parsed YAML document (or an object about to be written). */
export interface ManifestObject {
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly source?: SourceRef;
}

/** kind/namespace/name of an object, for messages. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** One problem the gate found. */
export interface Finding {
  /** The id of the rule that found it (see policy/rules.ts). */
  readonly rule: string;
  readonly object?: ObjectRef;
  readonly source?: { readonly file: string; readonly line?: number; readonly renderedBy?: string };
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly path?: string;
  readonly message: string;
  /** What to change so the finding goes away. */
  readonly fix: string;
}

/** Something the gate could not check, reported in the summary; not a finding (the exit code ignores it). */
export interface GateNote {
  /** The id of the rule that could not check it. */
  readonly rule: string;
  readonly object?: ObjectRef;
  readonly source?: { readonly file: string; readonly line?: number };
  readonly path?: string;
  readonly message: string;
}
