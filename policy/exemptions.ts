/**
 * Exemptions: an object opts out of one house rule with an annotation that says why, modelled on
 * kube-linter's `ignore-check.kube-linter.io/<check>: "<reason>"`:
 *
 *     metadata:
 *       annotations:
 *         ignore-check.oceanid.goldfish.inc/image-pinned: "vendor ships only :stable; digest pinned by Renovate"
 *
 * Only house rules can be exempted: what the cluster itself refuses stays refused whatever we
 * annotate. An exemption with no reason, of an admission rule, or of a rule that does not exist does
 * not apply and is itself a finding of the `exemption` rule. Every exemption that applies is listed in
 * the report with the findings it kept out.
 */
import { EXEMPTION_ANNOTATION_PREFIX } from '../lib/constants';
import { Rule } from './rule';
import { Finding, ManifestObject, ObjectRef } from './types';
import { asRecord, findingAt, metadataOf, refOf, Universe } from './universe';

export const EXEMPTION_RULE = 'exemption';

/** An exemption that applies: a house rule, an object, a reason, and the findings it kept out. */
export interface Exemption {
  readonly rule: string;
  readonly object: ObjectRef;
  readonly source?: { readonly file: string; readonly line?: number };
  readonly reason: string;
  readonly findings: readonly Finding[];
}

interface Annotation {
  readonly object: ManifestObject;
  readonly key: string;
  readonly rule: string;
  readonly reason: unknown;
}

function exemptionAnnotations(universe: Universe): Annotation[] {
  return universe.objects.flatMap((object) => Object.entries(asRecord(metadataOf(object).annotations) ?? {})
    .filter(([key]) => key.startsWith(EXEMPTION_ANNOTATION_PREFIX))
    .map(([key, reason]) => ({ object, key, rule: key.slice(EXEMPTION_ANNOTATION_PREFIX.length), reason })));
}

/** Why an annotation does not exempt anything, or undefined when it does. */
function problemOf(annotation: Annotation, catalog: readonly Rule[]): { message: string; fix: string } | undefined {
  const rule = catalog.find((candidate) => candidate.id === annotation.rule);
  if (!rule) {
    return { message: `${annotation.key} names no rule of the gate, so it exempts nothing`, fix: 'use a rule id from the README\'s table of checks, or remove the annotation' };
  }
  if (rule.group !== 'house') {
    return {
      message: `${annotation.key}: ${rule.id} is an admission rule (the cluster itself would refuse this), so it cannot be exempted`,
      fix: `fix what ${rule.id} reports and remove the annotation`,
    };
  }
  if (rule.id === EXEMPTION_RULE) return { message: `${annotation.key}: the exemption rule cannot exempt itself`, fix: 'remove the annotation' };
  if (typeof annotation.reason !== 'string' || annotation.reason.trim() === '') {
    return { message: `${annotation.key} gives no reason, so it does not apply`, fix: `write why this object may break ${rule.id}, e.g. ${annotation.key}: "<reason>"` };
  }
  return undefined;
}

/** Findings for every exemption annotation that does not apply. */
export function exemptionProblems(universe: Universe, catalog: readonly Rule[]): Finding[] {
  return exemptionAnnotations(universe).flatMap((annotation) => {
    const problem = problemOf(annotation, catalog);
    return problem ? [findingAt(EXEMPTION_RULE, annotation.object, ['metadata', 'annotations', annotation.key], problem.message, problem.fix)] : [];
  });
}

const objectKey = (ref: ObjectRef, file: string | undefined) => [file ?? '', ref.kind, ref.namespace ?? '', ref.name].join('\u0000');

/**
 * Splits findings into those that stand and those that valid exemptions of the selected rules keep
 * out. Exemptions of rules that did not run are not listed.
 */
export function applyExemptions(universe: Universe, findings: readonly Finding[], selected: readonly Rule[], catalog: readonly Rule[]):
  { findings: Finding[]; exemptions: Exemption[] } {
  const exemptions = new Map<string, { exemption: Omit<Exemption, 'findings'>; findings: Finding[] }>();
  for (const annotation of exemptionAnnotations(universe)) {
    if (problemOf(annotation, catalog) || !selected.some((rule) => rule.id === annotation.rule)) continue;
    const object = refOf(annotation.object);
    const file = annotation.object.source?.file;
    const line = annotation.object.source?.locate?.(['metadata', 'annotations', annotation.key]) ?? annotation.object.source?.line;
    exemptions.set(`${annotation.rule}\u0000${objectKey(object, file)}`, {
      exemption: { rule: annotation.rule, object, source: file === undefined ? undefined : { file, line }, reason: String(annotation.reason).trim() },
      findings: [],
    });
  }
  const standing: Finding[] = [];
  for (const finding of findings) {
    const exemption = finding.object ? exemptions.get(`${finding.rule}\u0000${objectKey(finding.object, finding.source?.file)}`) : undefined;
    if (exemption) exemption.findings.push(finding);
    else standing.push(finding);
  }
  return { findings: standing, exemptions: [...exemptions.values()].map(({ exemption, findings: kept }) => ({ ...exemption, findings: kept })) };
}
