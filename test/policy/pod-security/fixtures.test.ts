/**
 * Every upstream fixture, at its level and version, as a Pod and again as a Deployment's template:
 * the verdict must match upstream's, and a refusal must name the check the fixture exercises in the
 * words the API server uses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { checkPodSecurity, enforcePolicy, evaluatePod, violationMessage } from '../../../policy/pod-security';
import { Universe } from '../../../policy/universe';
import { objects } from '../../helpers';

const ROOT = path.join(__dirname, '../../fixtures/pss');

/** Fixture prefix → [check IDs that may refuse it, at baseline and at restricted]; message substring. */
const EXPECTED: Readonly<Record<string, { baseline: string[]; restricted: string[]; substring: string }>> = {
  allowprivilegeescalation: { baseline: [], restricted: ['allowPrivilegeEscalation'], substring: 'allowPrivilegeEscalation' },
  apparmorprofile: { baseline: ['appArmorProfile'], restricted: ['appArmorProfile'], substring: 'forbidden AppArmor profile' },
  capabilities_baseline: { baseline: ['capabilities_baseline'], restricted: ['capabilities_baseline', 'capabilities_restricted'], substring: 'capabilities' },
  capabilities_restricted: { baseline: [], restricted: ['capabilities_restricted'], substring: 'unrestricted capabilities' },
  hostnamespaces: { baseline: ['hostNamespaces'], restricted: ['hostNamespaces'], substring: 'host namespaces' },
  hostpathvolumes: { baseline: ['hostPathVolumes'], restricted: ['restrictedVolumes'], substring: 'hostPath' },
  hostports: { baseline: ['hostPorts'], restricted: ['hostPorts'], substring: 'hostPort' },
  hostprobesandhostlifecycle: { baseline: ['hostProbesAndHostLifecycle'], restricted: ['hostProbesAndHostLifecycle'], substring: 'probe or lifecycle host' },
  privileged: { baseline: ['privileged'], restricted: ['privileged'], substring: 'privileged' },
  procmount: { baseline: ['procMount'], restricted: ['procMount', 'procMount_restricted'], substring: 'procMount' },
  procmount_restricted: { baseline: [], restricted: ['procMount_restricted'], substring: 'procMount' },
  restrictedvolumes: { baseline: [], restricted: ['restrictedVolumes'], substring: 'restricted volume types' },
  runasnonroot: { baseline: [], restricted: ['runAsNonRoot'], substring: 'runAsNonRoot' },
  runasuser: { baseline: [], restricted: ['runAsUser'], substring: 'runAsUser' },
  seccompprofile_baseline: { baseline: ['seccompProfile_baseline'], restricted: ['seccompProfile_baseline', 'seccompProfile_restricted'], substring: 'seccompProfile' },
  seccompprofile_restricted: { baseline: [], restricted: ['seccompProfile_restricted'], substring: 'seccompProfile' },
  selinuxoptions: { baseline: ['seLinuxOptions'], restricted: ['seLinuxOptions'], substring: 'seLinuxOptions' },
  sysctls: { baseline: ['sysctls'], restricted: ['sysctls'], substring: 'forbidden sysctl' },
  windowshostprocess: { baseline: ['windowsHostProcess'], restricted: ['windowsHostProcess'], substring: 'hostProcess' },
};

interface Fixture {
  level: 'baseline' | 'restricted';
  version: string;
  verdict: 'pass' | 'fail';
  file: string;
  pod: { metadata: Record<string, unknown>; spec: Record<string, unknown> };
}

const fixtures: Fixture[] = [];
for (const level of ['baseline', 'restricted'] as const) {
  for (const version of fs.readdirSync(path.join(ROOT, level))) {
    for (const verdict of ['pass', 'fail'] as const) {
      for (const file of fs.readdirSync(path.join(ROOT, level, version, verdict)).sort()) {
        fixtures.push({ level, version, verdict, file, pod: YAML.parse(fs.readFileSync(path.join(ROOT, level, version, verdict, file), 'utf8')) });
      }
    }
  }
}

const labels = (level: string, version: string) => ({ 'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/enforce-version': version });
const prefixOf = (file: string) => file.replace(/[0-9]*\.yaml$/, '');

test('all 255 vendored fixtures are found', () => {
  expect(fixtures).toHaveLength(255);
});

const cases = fixtures.map((f) => [`${f.level}/${f.version}/${f.verdict}/${f.file}`, f] as const);

test.each(cases)('as a Pod: %s', (_name, fixture) => {
  const policy = enforcePolicy(labels(fixture.level, fixture.version));
  const violations = evaluatePod(policy, fixture.pod.metadata, fixture.pod.spec);
  if (fixture.verdict === 'pass') {
    expect(violations).toEqual([]);
    return;
  }
  const expected = EXPECTED[prefixOf(fixture.file)];
  expect(expected).toBeDefined();
  expect(violations.map((v) => v.checkId)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^(${expected[fixture.level].join('|')})$`))]));
  const message = violationMessage(policy, violations);
  expect(message).toContain(`violates PodSecurity "${fixture.level}:${fixture.version}": `);
  expect(message).toContain(expected.substring);
});

// Through the gate, as the template of a Deployment in a labelled Namespace: enforcement applies to
// the pods the workload creates, so the verdict must not change.
test.each(cases)('as a Deployment template, through the gate: %s', (_name, fixture) => {
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fixtures', labels: labels(fixture.level, fixture.version) } };
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'fixture', namespace: 'fixtures' },
    spec: { selector: { matchLabels: { app: 'fixture' } }, template: { metadata: fixture.pod.metadata, spec: fixture.pod.spec } },
  };
  const findings = checkPodSecurity(new Universe(objects([namespace, deployment])));
  if (fixture.verdict === 'pass') {
    expect(findings).toEqual([]);
    return;
  }
  expect(findings).toHaveLength(1);
  expect(findings[0].path).toBe('spec.template.spec');
  expect(findings[0].message).toMatch(new RegExp(`^its pods would be forbidden: violates PodSecurity "${fixture.level}:${fixture.version.replace('.', '\\.')}": `));
  expect(findings[0].message).toContain(EXPECTED[prefixOf(fixture.file)].substring);
});

test('every restricted pass fixture also passes baseline at the same version', () => {
  for (const fixture of fixtures.filter((f) => f.level === 'restricted' && f.verdict === 'pass')) {
    expect(evaluatePod(enforcePolicy(labels('baseline', fixture.version)), fixture.pod.metadata, fixture.pod.spec)).toEqual([]);
  }
});

test('every v1.37 fixture gets the same verdict with `latest` and with no version label', () => {
  for (const fixture of fixtures.filter((f) => f.version === 'v1.37')) {
    for (const policy of [enforcePolicy(labels(fixture.level, 'latest')), enforcePolicy({ 'pod-security.kubernetes.io/enforce': fixture.level })]) {
      expect(evaluatePod(policy, fixture.pod.metadata, fixture.pod.spec).length === 0).toBe(fixture.verdict === 'pass');
    }
  }
});

test('a privileged namespace admits every fixture', () => {
  for (const fixture of fixtures) {
    expect(evaluatePod(enforcePolicy(labels('privileged', fixture.version)), fixture.pod.metadata, fixture.pod.spec)).toEqual([]);
  }
});
