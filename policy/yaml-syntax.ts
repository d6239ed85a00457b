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
