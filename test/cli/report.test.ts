/**
 * The machine formats: JSON's documented shape, SARIF valid against the normative OASIS schema with
 * rule ids and line numbers, and GitHub workflow commands escaped as the runner expects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { runCheck } from '../../cli/check-command';
import { escapeData, escapeProperty, GateReport, renderGithub, reportPath } from '../../cli/report';
import { REPO_ROOT } from '../../lib/paths';
import { RULES, selectRules } from '../../policy';

const FIXTURE = 'test/fixtures/report';
const FILE = 'test/fixtures/report/shop.yaml';

function check(...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const code = runCheck(argv, { write: (t) => { out.stdout += t; } }, { write: (t) => { out.stderr += t; } });
  return { code, ...out };
}

const webObject = { kind: 'Pod', namespace: 'shop', name: 'web' };
const labelFinding = {
  rule: 'metadata-labels', group: 'admission', object: { kind: 'ConfigMap', namespace: 'shop', name: 'settings' }, file: FILE, line: 22,
  path: 'metadata.labels.discount',
  message: 'label value "50%": must consist of letters, digits, \'-\', \'_\' or \'.\', and start and end with a letter or digit',
  fix: 'fix the label value (quote numbers and booleans)',
};
const unknownFieldFinding = {
  rule: 'schema-unknown-field', group: 'admission', object: webObject, file: FILE, line: 41, path: 'spec.containers[0].imagePullPolicys',
  message: 'unknown field: the API server would drop it (check the spelling and the API version)', fix: 'remove the field or correct its name',
};
const exemptedFinding = {
  rule: 'image-pinned', group: 'house', object: webObject, file: FILE, line: 40, path: 'spec.containers[0].image',
  message: 'image nginx:latest uses :latest', fix: 'pin it to a version tag (e.g. :v1.102.3) or a digest (@sha256:…)',
};

describe('--format json', () => {
  test('the documented shape, every field', () => {
    const { code, stdout, stderr } = check('--format', 'json', path.join(REPO_ROOT, FIXTURE));
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      version: 1,
      command: 'check',
      result: 'findings',
      rules: { run: RULES.map((rule) => rule.id), skipped: [] },
      scope: { objects: 3, files: 1 },
      findings: [labelFinding, unknownFieldFinding],
      exemptions: [{
        rule: 'image-pinned', object: webObject, file: FILE, line: 32, reason: 'upstream publishes only :latest, 100% of the time', findings: [exemptedFinding],
      }],
    });
  });

  test('a clean run with rules left out', () => {
    const { code, stdout } = check('--format', 'json', '--only', 'pod-security,image-pinned', '--skip', 'image-pinned', FIXTURE);
    const report = JSON.parse(stdout);
    expect(code).toBe(0);
    expect([report.result, report.rules.run, report.findings, report.exemptions]).toEqual(['clean', ['pod-security'], [], []]);
    expect(report.rules.skipped).toHaveLength(RULES.length - 1);
  });
});

describe('--format sarif', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const { code, stdout } = check('--format', 'sarif', FIXTURE);
  const log = JSON.parse(stdout);

  test('is valid against the OASIS SARIF 2.1.0 schema', () => {
    expect(code).toBe(1);
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('the validator does catch what GitHub would refuse (a region without a start)', () => {
    const broken = structuredClone(log);
    broken.runs[0].results[0].locations[0].physicalLocation.region = { startColumn: 3 };
    expect(validate(broken)).toBe(false);
  });

  test('tool.driver.rules is the rule list, each with its description and help', () => {
    const rules = log.runs[0].tool.driver.rules;
    expect(log.runs[0].tool.driver.name).toBe('oceanid-cluster');
    expect(rules.map((rule: { id: string }) => rule.id)).toEqual(RULES.map((rule) => rule.id));
    const imagePinned = rules.find((rule: { id: string }) => rule.id === 'image-pinned');
    expect(imagePinned.shortDescription.text).toBe(RULES.find((rule) => rule.id === 'image-pinned')!.description);
    expect(imagePinned.help.text).toContain('ignore-check.oceanid.goldfish.inc/<rule>: "<reason>"');
    expect(rules.find((rule: { id: string }) => rule.id === 'pod-security').help.text).toContain('it cannot be exempted');
  });

  test('results: rule id and index, error level, repo-relative uri and start line; the exempted one suppressed with its reason', () => {
    const results = log.runs[0].results.map((result: any) => ({
      ruleId: result.ruleId, ruleOfIndex: log.runs[0].tool.driver.rules[result.ruleIndex].id, level: result.level,
      location: result.locations[0].physicalLocation, suppressions: result.suppressions,
    }));
    const at = (line: number) => ({ artifactLocation: { uri: FILE, uriBaseId: '%SRCROOT%' }, region: { startLine: line } });
    expect(results).toEqual([
      { ruleId: 'metadata-labels', ruleOfIndex: 'metadata-labels', level: 'error', location: at(22), suppressions: undefined },
      { ruleId: 'schema-unknown-field', ruleOfIndex: 'schema-unknown-field', level: 'error', location: at(41), suppressions: undefined },
      {
        ruleId: 'image-pinned', ruleOfIndex: 'image-pinned', level: 'error', location: at(40),
        suppressions: [{ kind: 'inSource', justification: 'upstream publishes only :latest, 100% of the time', location: { physicalLocation: at(32) } }],
      },
    ]);
    expect(log.runs[0].results[1].message.text).toBe(`Pod shop/web spec.containers[0].imagePullPolicys: ${unknownFieldFinding.message}\nfix: ${unknownFieldFinding.fix}`);
  });
});

describe('--format github', () => {
  test('one error per finding and a notice per exemption, with file and line, then the summary for people', () => {
    const { code, stdout } = check('--format', 'github', FIXTURE);
    expect(code).toBe(1);
    expect(stdout.split('\n')).toEqual([
      `::error file=${FILE},line=22,title=metadata-labels ConfigMap shop/settings::metadata.labels.discount: label value "50%25": must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit%0Afix: fix the label value (quote numbers and booleans)`,
      `::error file=${FILE},line=41,title=schema-unknown-field Pod shop/web::spec.containers[0].imagePullPolicys: unknown field: the API server would drop it (check the spelling and the API version)%0Afix: remove the field or correct its name`,
      `::notice file=${FILE},line=32,title=exempted from image-pinned Pod shop/web::upstream publishes only :latest, 100%25 of the time (1 finding(s) exempted)`,
      'check: 3 object(s) in 1 file(s): 2 problem(s)',
      '',
    ]);
  });

  test('escaping: data escapes %, CR and LF; properties also : and ,', () => {
    expect(escapeData('50% done\r\nnext: a, b')).toBe('50%25 done%0D%0Anext: a, b');
    expect(escapeProperty('a,b:c%\nd')).toBe('a%2Cb%3Ac%25%0Ad');
    const selection = selectRules([], []);
    if (!('rules' in selection)) throw new Error('selection failed');
    const report: GateReport = {
      command: 'synth', selection, scope: { clusters: ['prod'] }, exemptions: [],
      findings: [{ cluster: 'prod', finding: { rule: 'credential-leak', source: { file: 'config/odd,name:1%.yaml', line: 3 }, message: 'first\r\nsecond', fix: '100%' } }],
    };
    expect(renderGithub(report)).toBe('::error file=config/odd%2Cname%3A1%25.yaml,line=3,title=[prod] credential-leak::first%0D%0Asecond%0Afix: 100%25\n');
  });
});

test('paths inside the repository are reported relative to its root, others absolutely', () => {
  expect(reportPath(path.join(REPO_ROOT, 'flux', 'a.yaml'))).toBe('flux/a.yaml');
  expect(reportPath('/tmp/elsewhere.yaml')).toBe('/tmp/elsewhere.yaml');
});
