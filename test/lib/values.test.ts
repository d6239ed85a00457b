/** The small value helpers every layer relies on: CIDRs, image references, names, ESC paths, field paths. */
import { escPathProblem } from '../../lib/esc';
import { formatFieldPath, pointerSegments } from '../../lib/field-path';
import { imagePinProblem, parseImageReference } from '../../lib/images';
import { dnsLabelProblem, dnsSubdomainProblem, labelValueProblem, qualifiedNameProblem, secretKeyProblem } from '../../lib/kubernetes-names';
import { cidrContains, cidrsOverlap, isCanonicalCidr, isIpv4Address } from '../../lib/network';

describe('network', () => {
  test.each([['10.42.0.0/16', true], ['0.0.0.0/0', true], ['::/0', true], ['10.42.0.1/16', false], ['10.42.0.0/33', false], ['10.042.0.0/16', false], ['10.42.0.0', false]])(
    'isCanonicalCidr(%s) is %s', (cidr, expected) => expect(isCanonicalCidr(cidr)).toBe(expected));

  test('containment and overlap', () => {
    expect(cidrContains('100.64.0.0/10', '100.81.237.43')).toBe(true);
    expect(cidrContains('100.64.0.0/10', '100.128.0.1')).toBe(false);
    expect(cidrsOverlap('10.42.0.0/16', '10.0.0.0/8')).toBe(true);
    expect(cidrsOverlap('10.0.0.0/8', '10.42.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.42.0.0/16', '10.43.0.0/16')).toBe(false);
    expect(cidrsOverlap('10.42.0.0/16', '::/0')).toBe(false);
    expect(isIpv4Address('100.81.237.43')).toBe(true);
    expect(isIpv4Address('100.81.237')).toBe(false);
  });
});

describe('images', () => {
  test('parses registry ports, tags and digests', () => {
    expect(parseImageReference('registry:5000/team/app:v2@sha256:abc')).toEqual({ repository: 'registry:5000/team/app', tag: 'v2', digest: 'sha256:abc' });
    expect(parseImageReference('registry:5000/team/app')).toEqual({ repository: 'registry:5000/team/app', tag: undefined, digest: undefined });
  });

  test('pinned means a digest or a tag that names a version', () => {
    expect(imagePinProblem('tailscale/tailscale:v1.102.3')).toBeUndefined();
    expect(imagePinProblem('tailscale/tailscale:unstable')).toBe('uses :unstable, a tag that moves; pin a version tag or a digest');
  });
});

describe('Kubernetes names', () => {
  test('DNS labels and subdomains', () => {
    expect(dnsLabelProblem('external-secrets-system')).toBeUndefined();
    expect(dnsLabelProblem('a'.repeat(64))).toBe('must be at most 63 characters (is 64)');
    expect(dnsLabelProblem('-a')).toContain('start and end with a letter or digit');
    expect(dnsSubdomainProblem('widgets.example.com')).toBeUndefined();
    expect(dnsSubdomainProblem('Widgets')).toContain('lower-case');
  });

  test('label keys and values', () => {
    expect(qualifiedNameProblem('app.kubernetes.io/name')).toBeUndefined();
    expect(qualifiedNameProblem('/name')).toBe('prefix "" must not be empty');
    expect(qualifiedNameProblem('Example.com/name')).toContain('prefix "Example.com"');
    expect(labelValueProblem('')).toBeUndefined();
    expect(labelValueProblem('v1.33')).toBeUndefined();
    expect(labelValueProblem('a b')).toContain('must consist of');
    expect(secretKeyProblem('AWS_ACCESS_KEY_ID')).toBeUndefined();
    expect(secretKeyProblem('tls.crt')).toBeUndefined();
    expect(secretKeyProblem('a/b')).toContain('must consist of');
  });
});

describe('ESC property paths', () => {
  test.each(['aws.labelStudio.accessKeyId', 'a["key with ."]', 'a.list[0]', '["root key"].x', 'tailscale.authKey'])('%s is valid', (p) => {
    expect(escPathProblem(p)).toBeUndefined();
  });
  test.each([['project:path', 'is "project:path" syntax'], ['a..b', 'is not a Pulumi property path'], ['$.a.b', 'is JSONPath; ESC keys are Pulumi property paths: write "a.b"'], ['a[x]', 'is not']])(
    '%s is refused', (p, problem) => expect(escPathProblem(p)).toContain(problem));
});

describe('field paths', () => {
  test('format like Kubernetes, quoting keys that are not identifiers', () => {
    expect(formatFieldPath(['spec', 'containers', 0, 'env', 3])).toBe('spec.containers[0].env[3]');
    expect(formatFieldPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(pointerSegments('/metadata/annotations/a~1b/0')).toEqual(['metadata', 'annotations', 'a/b', 0]);
  });
});
