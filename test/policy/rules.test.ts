/** The rule list and how --only/--skip select from it. */
import { RULE_GROUPS, RULES, runGate, selectRules } from '../../policy';
import { fakeCredentials, objects, schemas } from '../helpers';

const ids = (rules: ReadonlyArray<{ id: string }>) => rules.map((rule) => rule.id);

describe('the list', () => {
  test('ids are unique and kebab-case, each rule has a group and a one-sentence description', () => {
    expect(new Set(ids(RULES)).size).toBe(RULES.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(RULE_GROUPS).toContain(rule.group);
      expect(rule.description).toMatch(/^[A-Za-z`].*\.$/);
    }
  });

  test('admission rules come first, then house rules', () => {
    const groups = RULES.map((rule) => rule.group);
    expect(groups.indexOf('house')).toBeGreaterThan(groups.lastIndexOf('admission'));
  });

  test('the classification of the rules the issue names', () => {
    const group = (id: string) => RULES.find((rule) => rule.id === id)?.group;
    expect(['pod-security', 'schema-unknown-field', 'schema-api-version', 'pod-security-labels'].map(group)).toEqual(['admission', 'admission', 'admission', 'admission']);
    expect(['pod-security-pinned', 'namespace-prune-disabled', 'service-account-reference', 'image-pinned'].map(group)).toEqual(['house', 'house', 'house', 'house']);
  });
});

describe('selection', () => {
  const admission = ids(RULES.filter((rule) => rule.group === 'admission'));
  const house = ids(RULES.filter((rule) => rule.group === 'house'));

  test('no option selects every rule', () => {
    const selection = selectRules([], []);
    expect('rules' in selection && ids(selection.rules)).toEqual(ids(RULES));
  });

  test('--only takes groups and ids, repeated or comma-separated; --skip removes', () => {
    const pick = (only: string[], skip: string[] = []) => {
      const selection = selectRules(only, skip);
      if (!('rules' in selection)) throw new Error(`unexpected ${JSON.stringify(selection)}`);
      return { run: ids(selection.rules), leftOut: ids(selection.leftOut), byId: [...selection.skippedById] };
    };
    expect(pick(['admission']).run).toEqual(admission);
    expect(pick(['image-pinned,pod-security']).run).toEqual(['pod-security', 'image-pinned']);
    expect(pick(['image-pinned', ' pod-security ']).run).toEqual(['pod-security', 'image-pinned']);
    expect(pick([], ['house']).run).toEqual(admission);
    expect(pick(['admission'], ['schema-unknown-field']).run).toEqual(admission.filter((id) => id !== 'schema-unknown-field'));
    expect(pick([], ['schema-unknown-field', 'house'])).toEqual({
      run: admission.filter((id) => id !== 'schema-unknown-field'), leftOut: ['schema-unknown-field', ...house], byId: ['schema-unknown-field'],
    });
  });

  test('names that are neither a rule nor a group are returned, once each', () => {
    expect(selectRules(['admission,pod-securty'], ['houses', 'pod-securty'])).toEqual({ unknown: ['pod-securty', 'houses'] });
  });
});

describe('findings carry the id of the rule that found them', () => {
  // One universe that breaks a rule of each family.
  const manifests = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a', annotations: { note: fakeCredentials.aws() } },
      spec: { serviceAccountName: 'runner', containers: [{ name: 'c', image: 'c:latest', imagePullPolicys: 'Always', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } },
  ];
  const all = runGate(objects(manifests), { schemas: schemas() }).findings;

  test('the universe trips rules of both groups', () => {
    expect([...new Set(all.map((finding) => finding.rule))].sort()).toEqual([
      'credential-leak', 'image-pinned', 'namespace-prune-disabled', 'namespace-stated', 'pod-security', 'pod-security-pinned', 'schema-unknown-field',
      'secret-reference', 'service-account-reference',
    ]);
  });

  test.each(RULES.map((rule) => rule.id))('%s alone reports exactly its share of the full run', (id) => {
    const rule = RULES.find((candidate) => candidate.id === id)!;
    const alone = runGate(objects(manifests), { schemas: schemas(), rules: [rule] }).findings;
    expect(alone).toEqual(all.filter((finding) => finding.rule === id));
  });

  test('--only admission reports only what the cluster would refuse', () => {
    const selection = selectRules(['admission'], []);
    if (!('rules' in selection)) throw new Error('selection failed');
    const findings = runGate(objects(manifests), { schemas: schemas(), rules: selection.rules }).findings;
    expect([...new Set(findings.map((finding) => finding.rule))].sort()).toEqual(['pod-security', 'schema-unknown-field']);
  });
});
