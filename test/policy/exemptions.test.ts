/** Exemptions: house rules only, a reason required, listed with what they kept out. */
import { EXEMPTION_ANNOTATION_PREFIX } from '../../lib/constants';
import { RULES, runGate } from '../../policy';
import { objects, schemas } from '../helpers';

const namespace = {
  apiVersion: 'v1', kind: 'Namespace',
  metadata: {
    name: 'a', annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
    labels: Object.fromEntries(['enforce', 'audit', 'warn'].flatMap((mode) => [[`pod-security.kubernetes.io/${mode}`, 'baseline'], [`pod-security.kubernetes.io/${mode}-version`, 'v1.33']])),
  },
};
/** A Pod on :latest (house: image-pinned) with hostNetwork in a baseline namespace (admission: pod-security). */
const pod = (name: string, annotations: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'a', annotations },
  spec: { hostNetwork: true, containers: [{ name: 'c', image: 'c:latest' }] },
});
const exempt = (rule: string) => `${EXEMPTION_ANNOTATION_PREFIX}${rule}`;
const gate = (...manifests: Array<Record<string, unknown>>) => runGate(objects(manifests, 'pods.yaml'), { schemas: schemas() });
const summary = (result: ReturnType<typeof gate>) => result.findings.map((finding) => `${finding.rule} ${finding.object?.name}: ${finding.message}`);

test('without an exemption, both findings stand', () => {
  expect(summary(gate(namespace, pod('p')))).toEqual([
    'pod-security p: pods "p" is forbidden: violates PodSecurity "baseline:v1.33": host namespaces (hostNetwork=true)',
    'image-pinned p: image c:latest uses :latest',
  ]);
});

test('an exemption with a reason removes that rule\'s findings on that object only, and is listed with them', () => {
  const result = gate(namespace, pod('p', { [exempt('image-pinned')]: '  vendor publishes only :latest; tracked in #12 ' }), pod('q'));
  expect(result.findings.map((finding) => `${finding.rule} ${finding.object?.name}`)).toEqual(['pod-security p', 'pod-security q', 'image-pinned q']);
  expect(result.exemptions).toEqual([{
    rule: 'image-pinned', object: { kind: 'Pod', namespace: 'a', name: 'p' }, source: { file: 'pods.yaml' },
    reason: 'vendor publishes only :latest; tracked in #12',
    findings: [expect.objectContaining({ rule: 'image-pinned', message: 'image c:latest uses :latest', path: 'spec.containers[0].image' })],
  }]);
});

test('an exemption that keeps nothing out is still listed, with no findings', () => {
  const pinned = { ...pod('p', { [exempt('image-pinned')]: 'belt and braces' }), spec: { containers: [{ name: 'c', image: 'c:1.0' }] } };
  const result = gate(namespace, pinned);
  expect(result.findings).toEqual([]);
  expect(result.exemptions.map((exemption) => [exemption.rule, exemption.findings.length])).toEqual([['image-pinned', 0]]);
});

test.each([
  ['an empty reason', 'image-pinned', '', `${exempt('image-pinned')} gives no reason, so it does not apply`],
  ['a blank reason', 'image-pinned', '   ', `${exempt('image-pinned')} gives no reason, so it does not apply`],
  ['a reason that is not a string', 'image-pinned', true, `${exempt('image-pinned')} gives no reason, so it does not apply`],
  ['an admission rule', 'pod-security', 'host networking is needed',
    `${exempt('pod-security')}: pod-security is an admission rule (the cluster itself would refuse this), so it cannot be exempted`],
  ['a rule that does not exist', 'image-pined', 'typo', `${exempt('image-pined')} names no rule of the gate, so it exempts nothing`],
  ['the exemption rule itself', 'exemption', 'no', `${exempt('exemption')}: the exemption rule cannot exempt itself`],
])('%s is a finding and exempts nothing', (_case, rule, reason, message) => {
  const result = gate(namespace, pod('p', { [exempt(rule)]: reason }));
  expect(result.exemptions).toEqual([]);
  expect(result.findings.filter((finding) => finding.rule === 'exemption').map((finding) => [finding.message, finding.path]))
    .toEqual([[message, `metadata.annotations["${exempt(rule)}"]`]]);
  expect(result.findings.map((finding) => finding.rule)).toEqual(expect.arrayContaining(['image-pinned', 'pod-security']));
});

test('exemptions of rules that did not run are not listed', () => {
  const p = pod('p', { [exempt('image-pinned')]: 'vendor publishes only :latest' });
  const onlyAdmission = RULES.filter((rule) => rule.group === 'admission');
  const result = runGate(objects([namespace, p]), { schemas: schemas(), rules: onlyAdmission });
  expect(result.exemptions).toEqual([]);
  expect(result.findings.map((finding) => finding.rule)).toEqual(['pod-security']);
});
