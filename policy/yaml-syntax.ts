/**
 * Gate rule for what cannot be read as objects at all: YAML that does not parse, or a document that
 * is not a mapping. The reader (pipeline/manifest-files.ts) finds these while parsing and hands them
 * to the gate, so they are selected, reported and counted like every other rule's findings.
 */
import { Rule } from './rule';

export const YAML_SYNTAX_RULE = 'yaml-syntax';

export const yamlSyntax: Rule = {
  id: YAML_SYNTAX_RULE,
  group: 'admission',
  description: 'Every file parses as YAML and every document in it is a mapping (kubectl and kustomize-controller refuse the file otherwise).',
  check: ({ unreadable }) => unreadable.filter((finding) => finding.rule === YAML_SYNTAX_RULE),
};

export const KUSTOMIZE_RESOURCES_RULE = 'kustomize-resources';

/** Also found by the reader, which is the one that resolves a kustomization's paths. */
export const kustomizeResources: Rule = {
  id: KUSTOMIZE_RESOURCES_RULE,
  group: 'admission',
  description: 'Every local entry of a kustomization\'s resources exists (kustomize-controller fails the whole build otherwise, and applies nothing).',
  check: ({ unreadable }) => unreadable.filter((finding) => finding.rule === KUSTOMIZE_RESOURCES_RULE),
};
