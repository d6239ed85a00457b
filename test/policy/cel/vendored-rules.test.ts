/**
 * Every `x-kubernetes-validations` rule of the vendored CRDs, with one object that fails it and one
 * that passes. The rules are found in the CRD files (so a new rule without a case fails the test);
 * what each rule must say about each case is written out below, by hand, per rule text.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PathSegment } from '../../../lib/field-path';
import { REPO_ROOT, SCHEMA_BUNDLE_FILE } from '../../../lib/paths';
import { checkCelRules } from '../../../policy/cel';
import { Universe } from '../../../policy/universe';
import { objects, schemas } from '../../helpers';

interface VendoredRule {
  readonly file: string;
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  /** Where the rule is declared, as a path into the object (list items as index 0). */
  readonly path: PathSegment[];
  readonly rule: string;
  readonly message: string;
}

/**
 * Every rule of every served CRD version, from the rule skeleton (`cel`) each version has in
 * imports/schemas.json, the bundle the gate evaluates. .ci/run checks that the bundle is what
 * `npm run import` builds from imports/crds/, and the count below that no rule was lost on the way
 * (parsing the 1.6 MB of CRD YAML here instead cost most of this file's time).
 */
function vendoredRules(): VendoredRule[] {
  const bundle = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, SCHEMA_BUNDLE_FILE), 'utf8')) as {
    crds: Record<string, Record<string, { source: string; versions: Record<string, { served: boolean; cel?: unknown }> }>>;
  };
  const rules: VendoredRule[] = [];
  for (const [group, kinds] of Object.entries(bundle.crds).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [kind, crd] of Object.entries(kinds)) {
      for (const [version, served] of Object.entries(crd.versions).filter(([, entry]) => entry.served)) {
        const walk = (node: any, at: PathSegment[]) => {
          if (!node || typeof node !== 'object') return;
          for (const rule of node['x-kubernetes-validations'] ?? []) {
            rules.push({ file: crd.source, group, kind, version, path: at, rule: rule.rule, message: rule.message });
          }
          for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, [...at, name]);
          if (node.items) walk(node.items, [...at, 0]);
          if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, [...at, 'key']);
        };
        walk(served.cel, []); // the rule-bearing nodes of the schema, at their paths
      }
    }
  }
  return rules;
}

/** Per rule text: the value of the node that declares it, once failing and once passing. */
const CASES: Record<string, { fail: unknown; pass: unknown }> = {
  // Provider spec (notification-controller v1.9.3, for the optional alerts)
  ["self.type == 'github' || self.type == 'gitlab' || self.type == 'gitea' || self.type == 'bitbucketserver' || self.type == 'bitbucket' "
    + "|| self.type == 'azuredevops' || !has(self.commitStatusExpr)"]:
    { fail: { type: 'slack', commitStatusExpr: 'event.message' }, pass: { type: 'github', commitStatusExpr: 'event.message' } },
  // GitRepository spec
  "!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))":
    { fail: { serviceAccountName: 'git-reader' }, pass: { serviceAccountName: 'git-reader', provider: 'azure' } },
  // HelmRelease spec: the second example
  '(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))':
    { fail: { interval: '10m' }, pass: { interval: '10m', chartRef: { kind: 'OCIRepository', name: 'podinfo' } } },
  "!has(self.retryInterval) || self.name != 'RemediateOnFailure'":
    { fail: { name: 'RemediateOnFailure', retryInterval: '1m' }, pass: { name: 'RetryOnFailure', retryInterval: '1m' } },
  "!has(self.retryInterval) || self.name == 'RetryOnFailure'":
    { fail: { name: 'RemediateOnFailure', retryInterval: '1m' }, pass: { name: 'RetryOnFailure', retryInterval: '1m' } },
  // HelmRelease and Kustomization spec.kubeConfig
  'has(self.configMapRef) || has(self.secretRef)': { fail: {}, pass: { secretRef: { name: 'kubeconfig' } } },
  '!has(self.configMapRef) || !has(self.secretRef)':
    { fail: { configMapRef: { name: 'a' }, secretRef: { name: 'b' } }, pass: { secretRef: { name: 'kubeconfig' } } },
  // SecretStore and ClusterSecretStore providers
  "!('esoNamespace' in self) && !('esoStoreName' in self) && !('esoStoreKind' in self)":
    { fail: { esoStoreName: 'mine' }, pass: { team: 'platform' } },
  'has(self.auth) || has(self.authRef)': { fail: {}, pass: { authRef: { name: 'creds' } } },
  '[has(self.auth),has(self.authRef)].filter(x,x==true).size() <= 1':
    { fail: { auth: {}, authRef: { name: 'creds' } }, pass: { authRef: { name: 'creds' } } },
  '(has(self.secretRef) && !has(self.oidcConfig)) || (!has(self.secretRef) && has(self.oidcConfig))':
    { fail: { secretRef: {}, oidcConfig: {} }, pass: { secretRef: {} } },
  'has(self.serviceAccountCredsSecretRef) || has(self.tokenSecretRef)': { fail: {}, pass: { tokenSecretRef: {} } },
  '[has(self.vault),has(self.environment)].filter(x,x==true).size() <= 1':
    { fail: { vault: 'ops', environment: 'prod' }, pass: { vault: 'ops' } },
  '[has(self.caBundle),has(self.caProvider)].filter(x,x==true).size() <= 1':
    { fail: { caBundle: 'Y2E=', caProvider: {} }, pass: { caBundle: 'Y2E=' } },
  '[has(self.appRole),has(self.tokenSecretRef),has(self.userPass)].filter(x,x==true).size() == 1':
    { fail: {}, pass: { tokenSecretRef: {} } },
  '[has(self.roleId),has(self.roleRef)].filter(x,x==true).size() == 1': { fail: { roleId: 'a', roleRef: {} }, pass: { roleId: 'a' } },
  '(has(self.auth) && !has(self.accessToken)) || (!has(self.auth) && has(self.accessToken))':
    { fail: { auth: {}, accessToken: {} }, pass: { auth: {} } },
  '(has(self.accessToken) && !has(self.oidcConfig)) || (!has(self.accessToken) && has(self.oidcConfig))':
    { fail: {}, pass: { accessToken: {} } },
  'has(self.token) || (has(self.username) && has(self.password))': { fail: { username: {} }, pass: { username: {}, password: {} } },
  'has(self.value) != has(self.secretRef)': { fail: { value: 'a', secretRef: {} }, pass: { value: 'a' } },
};

/** A custom resource with `value` placed at `at`. */
function objectWith(rule: VendoredRule, value: unknown): Record<string, unknown> {
  const root: Record<string, any> = { apiVersion: `${rule.group}/${rule.version}`, kind: rule.kind, metadata: { name: 'x', namespace: 'apps' } };
  let holder: any = root;
  rule.path.forEach((segment, index) => {
    const last = index === rule.path.length - 1;
    const next = typeof rule.path[index + 1] === 'number' ? [] : {};
    holder[segment] = last ? value : (holder[segment] ?? next);
    holder = holder[segment];
  });
  return root;
}

const RULES = vendoredRules();
const celFindings = (rule: VendoredRule, value: unknown) => checkCelRules(new Universe(objects([objectWith(rule, value)])), schemas().at('1.33'))
  .findings.filter((finding) => finding.fix.includes(rule.rule));

describe('the vendored CRDs\' CEL rules', () => {
  test('there are 39 rules in 6 CRDs, all with a case (the issue counted 34, before the Provider CRD was vendored)', () => {
    expect(RULES).toHaveLength(39);
    expect(new Set(RULES.map((rule) => rule.kind)))
      .toEqual(new Set(['GitRepository', 'HelmRelease', 'Kustomization', 'SecretStore', 'ClusterSecretStore', 'Provider']));
    expect(RULES.filter((rule) => !CASES[rule.rule]).map((rule) => rule.rule)).toEqual([]);
    expect(Object.keys(CASES).filter((text) => !RULES.some((rule) => rule.rule === text))).toEqual([]);
  });

  test.each(RULES.map((rule) => [`${rule.kind} ${rule.path.join('.')}: ${rule.rule}`, rule] as const))('%s', (_name, rule) => {
    const failing = celFindings(rule, CASES[rule.rule].fail);
    expect(failing.map((finding) => [finding.path, finding.message])).toEqual([[rule.path.join('.'), rule.message]]);
    expect(failing[0].rule).toBe('crd-cel-rules');
    expect(celFindings(rule, CASES[rule.rule].pass)).toEqual([]);
  });
});
