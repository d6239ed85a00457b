/**
 * Gate check: no secret material in what we commit. Secrets reach the cluster only through
 * ExternalSecrets from Pulumi ESC; a Secret with data in Git is a leak the moment it is pushed, and
 * Flux would keep re-applying it over the rotated value.
 */
import { PathSegment } from '../lib/field-path';
import { Rule } from './rule';
import { Finding, ManifestObject } from './types';
import { asRecord, findingAt, groupOf, kindOf } from './universe';

/** Shapes of real credentials, named so a message can say what was found without repeating it. */
const CREDENTIAL_PATTERNS: ReadonlyArray<{ readonly name: string; readonly pattern: RegExp }> = [
  { name: 'a Tailscale key (tskey-…)', pattern: /tskey-[a-z]+-[A-Za-z0-9]{6,}/ },
  { name: 'an AWS access key ID (AKIA…)', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'a Pulumi access token (pul-…)', pattern: /\bpul-[0-9a-f]{40}\b/ },
  // The header alone is not enough: ESO's CRD descriptions show a PRIVATE KEY header around a
  // `<private-key>` placeholder. Real key material is base64 right after the header line.
  { name: 'a private key block', pattern: /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----(\r?\n|\\n)[A-Za-z0-9+/=]{40}/ },
];

/** The kind of credential `text` contains, if any. */
export function credentialIn(text: string): string | undefined {
  return CREDENTIAL_PATTERNS.find(({ pattern }) => pattern.test(text))?.name;
}

function walkStrings(value: unknown, path: PathSegment[], visit: (text: string, path: PathSegment[]) => void): void {
  if (typeof value === 'string') {
    visit(value, path);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => walkStrings(item, [...path, index], visit));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      visit(key, path);
      walkStrings(item, [...path, key], visit);
    }
  }
}

/** Secrets with content in Git. */
function secretsWithData(objects: readonly ManifestObject[]): Finding[] {
  const findings: Finding[] = [];
  for (const object of objects) {
    // A Secret a chart generates in the cluster (a random Django key, a webhook certificate) is not in Git.
    if (kindOf(object) !== 'Secret' || groupOf(object) !== '' || object.source?.renderedBy) continue;
    for (const field of ['data', 'stringData']) {
      const content = object.manifest[field];
      if (content !== undefined && content !== null && (typeof content !== 'object' || Object.keys(asRecord(content) ?? {}).length > 0)) {
        findings.push(findingAt('secret-data', object, [field], `Secret carries ${field} in Git: its values are readable by anyone with the repo`,
          'delete the Secret and declare it under secrets: in config, so an ExternalSecret syncs it from Pulumi ESC'));
      }
    }
  }
  return findings;
}

/** Credential-shaped strings anywhere in an object (keys included). */
function credentialsInObjects(objects: readonly ManifestObject[]): Finding[] {
  const findings: Finding[] = [];
  for (const object of objects) {
    walkStrings(object.manifest, [], (text, path) => {
      const credential = credentialIn(text);
      if (credential) {
        findings.push(findingAt('credential-leak', object, path, `contains what looks like ${credential}`,
          'remove it, revoke it (it may already be in Git history), and store it in Pulumi ESC'));
      }
    });
  }
  return findings;
}

/** Credential-shaped strings in plain text files (cluster configs), reported by line. */
function credentialsInTexts(texts: ReadonlyArray<{ readonly file: string; readonly text: string }>): Finding[] {
  const findings: Finding[] = [];
  for (const { file, text } of texts) {
    for (const { name, pattern } of CREDENTIAL_PATTERNS) {
      for (const match of text.matchAll(new RegExp(pattern.source, 'g'))) {
        findings.push({
          rule: 'credential-leak', source: { file, line: text.slice(0, match.index).split('\n').length },
          message: `contains what looks like ${name}`,
          fix: 'remove it, revoke it (it may already be in Git history), and reference its ESC path under secrets: instead',
        });
      }
    }
  }
  return findings;
}

export const secretData: Rule = {
  id: 'secret-data',
  group: 'house',
  description: 'No Secret carries data or stringData in Git: Secrets come from ExternalSecrets synced from Pulumi ESC.',
  check: ({ universe, generated }) => secretsWithData([...universe.objects, ...generated]),
};

export const credentialLeak: Rule = {
  id: 'credential-leak',
  group: 'house',
  description: 'No Tailscale key, AWS access key ID, Pulumi token or private key block in any object, kustomize generator or patch, YAML comment or cluster config.',
  check: ({ universe, texts, generated }) => [...credentialsInObjects([...universe.objects, ...generated]), ...credentialsInTexts(texts)],
};
