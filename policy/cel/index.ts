/**
 * Gate check (admission): every `x-kubernetes-validations` rule of every CRD the gate knows (vendored
 * under imports/crds/, or a CRD among the checked files) against every object of that kind. The API
 * server refuses an object for which a rule is false; so does the gate, with the rule's own message
 * at the field path. Rules the gate cannot evaluate (transition rules, functions it does not
 * implement) come back as notes for the summary, one per object and rule: never silently passed.
 */
import type { VersionedSchemas } from '../schema';
import { parseApiVersion } from '../schema/kinds';
import { GateContext, Rule } from '../rule';
import { Finding, GateNote } from '../types';
import { asArray, asRecord, findingAt, kindOf, metadataOf, Universe } from '../universe';
import { evaluateRules, RuleOutcomeCache } from './evaluate';
import { CelSchema, celSkeleton } from './skeleton';

export { SUPPORTED_EXTENSIONS } from './unsupported';
export type { RuleOutcome, RuleOutcomeCache } from './evaluate';

interface RuleSource {
  /** Where the rules come from (vendored CRD file, or the checked file holding the CRD). */
  readonly source: string;
  /** CEL skeleton per served version; absent when that version declares no rule. */
  readonly versions: ReadonlyMap<string, CelSchema | undefined>;
}

/** Rules of the CRDs among the checked objects, keyed `group|kind`; they take precedence, as in checkSchemas. */
function rulesFromUniverse(universe: Universe): Map<string, RuleSource> {
  const sources = new Map<string, RuleSource>();
  for (const crd of universe.ofKind('apiextensions.k8s.io', 'CustomResourceDefinition')) {
    const spec = asRecord(crd.manifest.spec);
    const group = spec?.group;
    const kind = asRecord(spec?.names)?.kind;
    if (typeof group !== 'string' || typeof kind !== 'string') continue;
    const versions = new Map<string, CelSchema | undefined>();
    for (const version of asArray(spec?.versions).map(asRecord)) {
      if (version?.served === true) versions.set(String(version.name), celSkeleton(asRecord(version.schema)?.openAPIV3Schema));
    }
    sources.set(`${group}|${kind}`, { source: crd.source?.file ?? `CustomResourceDefinition ${String(metadataOf(crd).name)}`, versions });
  }
  return sources;
}

export const CEL_RULE_ID = 'crd-cel-rules';

export interface CelCheckResult {
  readonly findings: Finding[];
  /** Rules not evaluated, with the reason; for the summary, not findings. */
  readonly notes: GateNote[];
}

/**
 * @param schemas the vendored CRDs' rules (and kinds), at the cluster's Kubernetes version
 * @param cache outcomes of earlier runs (see RuleOutcomeCache); none means every rule runs
 */
export function checkCelRules(universe: Universe, schemas: VersionedSchemas, cache?: RuleOutcomeCache): CelCheckResult {
  const findings: Finding[] = [];
  const notes: GateNote[] = [];
  const fromUniverse = rulesFromUniverse(universe);
  for (const object of universe.objects) {
    const { apiVersion } = object.manifest;
    const kind = kindOf(object);
    if (typeof apiVersion !== 'string' || kind === '') continue;
    const { group, version } = parseApiVersion(apiVersion);
    let source = fromUniverse.get(`${group}|${kind}`);
    if (!source) {
      const bundled = schemas.kind(group, kind);
      const skeleton = bundled?.versions[version]?.cel as CelSchema | undefined;
      if (!bundled || !skeleton) continue;
      source = { source: bundled.source, versions: new Map([[version, skeleton]]) };
    }
    const skeleton = source.versions.get(version);
    if (!skeleton) continue;
    const results = evaluateRules(object.manifest, skeleton, cache);
    for (const violation of results.violations) {
      findings.push(findingAt(CEL_RULE_ID, object, violation.path, violation.message,
        `change the object so that the CRD's rule holds: ${violation.rule.rule} (x-kubernetes-validations in ${source.source})`));
    }
    const seen = new Set<string>();
    for (const skipped of results.skipped) {
      const key = `${skipped.rule.rule}|${skipped.reason}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const note = findingAt(CEL_RULE_ID, object, skipped.path, `CEL rule not evaluated: ${skipped.reason}: ${skipped.rule.rule}`, '');
      notes.push({ rule: note.rule, object: note.object, source: note.source, path: note.path, message: note.message });
    }
  }
  return { findings, notes };
}

/** One evaluation per gate run, shared by the rule (findings) and the gate's summary (notes). */
const passes = new WeakMap<GateContext, CelCheckResult>();
function celPass(context: GateContext): CelCheckResult {
  let result = passes.get(context);
  if (!result) {
    result = checkCelRules(context.universe, context.schemas, context.celCache);
    passes.set(context, result);
  }
  return result;
}

export const crdCelRules: Rule = {
  id: CEL_RULE_ID,
  group: 'admission',
  description: 'Custom resources satisfy the x-kubernetes-validations (CEL) rules of their CRD; the API server refuses them otherwise.',
  check: (context) => celPass(context).findings,
};

/** The rules this gate run could not evaluate (only when crd-cel-rules ran). */
export function celNotes(context: GateContext): GateNote[] {
  return passes.get(context)?.notes ?? [];
}
