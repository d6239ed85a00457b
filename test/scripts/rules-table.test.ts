import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { RULES } from '../../policy';
import { renderRulesTable, RULES_TABLE_BEGIN, RULES_TABLE_END, withRulesTable } from '../../scripts/rules-table';

test('the README\'s table of checks is what npm run docs writes', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  expect(readme).toBe(withRulesTable(readme));
});

test('one row per rule, in list order, with id, group and description', () => {
  const rows = renderRulesTable().split('\n').slice(2);
  expect(rows).toHaveLength(RULES.length);
  expect(rows[0]).toBe(`| \`${RULES[0].id}\` | ${RULES[0].group} | ${RULES[0].description} |`);
});

test('only the text between the markers changes; missing markers are an error', () => {
  const stale = `intro\n${RULES_TABLE_BEGIN}\nold table\n${RULES_TABLE_END}\noutro\n`;
  expect(withRulesTable(stale)).toBe(`intro\n${RULES_TABLE_BEGIN}\n${renderRulesTable()}\n${RULES_TABLE_END}\noutro\n`);
  expect(() => withRulesTable('no markers')).toThrow('README.md has no');
  expect(() => withRulesTable(`${RULES_TABLE_END}\n${RULES_TABLE_BEGIN}`)).toThrow('README.md has no');
});
