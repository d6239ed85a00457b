/**
 * The Kubernetes CEL extension functions, with the examples of k8s.io/apiserver v0.33.13
 * pkg/cel/library/{lists,regex,urls}.go and cel-go ext.Sets, through the real CEL library.
 */
import { run } from '@bufbuild/cel';
import { KUBERNETES_CEL_FUNCTIONS } from '../../../policy/cel/kubernetes-library';

const evaluate = (expression: string) => {
  const result = run(expression, {}, { funcs: [...KUBERNETES_CEL_FUNCTIONS] });
  return result instanceof Error ? `error: ${result.message}` : result;
};

test.each([
  ['[1, 2, 3].isSorted()', true],
  ["['a', 'b', 'b', 'c'].isSorted()", true],
  ['[2.0, 1.0].isSorted()', false],
  ['[].isSorted()', true],
  ['[1, 3].sum()', 4n],
  ['[1.0, 3.0].sum()', 4],
  ['[].sum()', 0n],
  ['[1, 3].min()', 1n],
  ['[1, 3].max()', 3n],
  ['[1, 2, 2, 3].indexOf(2)', 1n],
  ["['a', 'b', 'b', 'c'].lastIndexOf('b')", 2n],
  ['[1.0].indexOf(1.1)', -1n],
  ["'abc 123'.find('[0-9]+')", '123'],
  ["'abc 123'.find('xyz')", ''],
  ["'123 abc 456'.findAll('[0-9]+') == ['123', '456']", true],
  ["'123 abc 456'.findAll('[0-9]+', 1) == ['123']", true],
  ["'123 abc 456'.findAll('xyz') == []", true],
  ["isURL('https://example.com:80/path?query=val')", true],
  ["isURL('/absolute-path')", true],
  ["isURL('https://a:b:c/')", false],
  ["isURL('../relative-path')", false],
  ["url('https://example.com:80/').getScheme()", 'https'],
  ["url('https://example.com:80/').getHost()", 'example.com:80'],
  ["url('https://[::1]:80/').getHost()", '[::1]:80'],
  ["url('https://[::1]:80/').getHostname()", '::1'],
  ["url('https://example.com:80/').getPort()", '80'],
  ["url('https://example.com/').getPort()", ''],
  ["url('https://example.com/path with spaces/').getEscapedPath()", 'error: URL parse error during conversion from string: "https://example.com/path with spaces/"'],
  ["url('https://example.com/path').getEscapedPath()", '/path'],
  ["url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == {'k1': ['a'], 'k2': ['b', 'c']}", true],
  ['sets.contains([1, 2, 3, 4], [2, 3])', true],
  ['sets.contains([1, 2, 3], [4])', false],
  ['sets.equivalent([1, 2, 3], [3, 2, 1, 1])', true],
  ['sets.intersects([1, 2], [2, 3])', true],
  ['sets.intersects([1], [2])', false],
  ["'Hello'.lowerAscii() + ' ' + ['a', 'b'].join('-')", 'hello a-b'],
])('%s', (expression, expected) => {
  expect(evaluate(expression)).toEqual(expected);
});

test('min of an empty list is an error, as upstream', () => {
  expect(evaluate('[].min()')).toMatch(/^error: .*min called on empty list/);
});
