import { createHash } from 'node:crypto';
import {
  chartCrdsApplied, chartVersionProblem, composeValues, helmReleaseName, helmReleaseNamespace, mergeMaps, parseSetPath, replacePathValue,
} from '../../lib/helm';

describe('release name and namespace, as helm-controller v1.6.3 computes them', () => {
  test('spec.releaseName wins, else [targetNamespace-]name', () => {
    expect(helmReleaseName('app', { releaseName: 'custom', targetNamespace: 'team' })).toBe('custom');
    expect(helmReleaseName('app', { targetNamespace: 'team' })).toBe('team-app');
    expect(helmReleaseName('app', {})).toBe('app');
  });

  test('a name over 53 characters becomes its first 40, a dash and 12 hex digits of its SHA-256', () => {
    const long = `${'a'.repeat(30)}-${'b'.repeat(30)}`;
    const expected = `${long.slice(0, 40)}-${createHash('sha256').update(long).digest('hex').slice(0, 12)}`;
    expect(helmReleaseName(long, {})).toBe(expected);
    expect(expected).toHaveLength(53);
    expect(helmReleaseName('x'.repeat(53), {})).toBe('x'.repeat(53));
  });

  test('targetNamespace, else the HelmRelease namespace', () => {
    expect(helmReleaseNamespace('flux-system', { targetNamespace: 'apps' })).toBe('apps');
    expect(helmReleaseNamespace('apps', {})).toBe('apps');
  });

  test('chart CRDs are applied unless both install and upgrade policies say Skip (unset means Create)', () => {
    expect(chartCrdsApplied(undefined, undefined)).toBe(true);
    expect(chartCrdsApplied('Skip', undefined)).toBe(true);
    expect(chartCrdsApplied('Skip', 'Skip')).toBe(false);
  });
});

describe('chart versions', () => {
  test.each(['2.0.5', '0.1.0', '1.2.3-rc.1', '1.2.3+build.5'])('%s is exact', (version) => expect(chartVersionProblem(version)).toBeUndefined());
  test.each(['2.x', '>=2.0.0', '~2.9', '2.9', '*', 'latest', ''])('%j is refused', (version) => {
    expect(chartVersionProblem(version)).toContain('is not an exact version');
  });
});

describe('values, as fluxcd/pkg chartutil v1.27.1 composes them', () => {
  test('MergeMaps: b wins, maps merge, lists are replaced', () => {
    expect(mergeMaps({ a: { x: 1, y: [1, 2] }, b: 1 }, { a: { y: [3] }, c: 2 })).toEqual({ a: { x: 1, y: [3] }, b: 1, c: 2 });
  });

  test('documents merge in order, spec.values last', () => {
    const values = composeValues({ image: { tag: 'spec' } }, [
      { kind: 'ConfigMap', name: 'a', valuesKey: 'values.yaml', data: 'x', parsed: { image: { tag: 'a', pull: 'Always' }, replicas: 1 } },
      { kind: 'ConfigMap', name: 'b', valuesKey: 'values.yaml', data: 'x', parsed: { replicas: 2 } },
    ]);
    expect(values).toEqual({ image: { tag: 'spec', pull: 'Always' }, replicas: 2 });
  });

  test('a targetPath value wins over spec.values at the same path (chartutil test "target path precedence over all")', () => {
    const values = composeValues({ nested: { configuration: ['list', 'item', 'option'] } }, [
      { kind: 'Secret', name: 'values', valuesKey: 'key', targetPath: 'nested.configuration[0]', data: 'value' },
      { kind: 'ConfigMap', name: 'values', valuesKey: 'values.yaml', data: 'x', parsed: { flat: 'value', nested: { configuration: ['one', 'two', 'three'] } } },
    ]);
    expect(values).toEqual({ flat: 'value', nested: { configuration: ['value', 'item', 'option'] } });
  });

  test('the given spec.values is left as it was: the sharing that precedence relies on happens in a copy', () => {
    const specValues = { nested: { configuration: ['list', 'item', 'option'] } };
    composeValues(specValues, [{ kind: 'Secret', name: 'values', valuesKey: 'key', targetPath: 'nested.configuration[0]', data: 'value' }]);
    expect(specValues).toEqual({ nested: { configuration: ['list', 'item', 'option'] } });
  });

  test('--set typing, quoting and literal values', () => {
    const values: Record<string, unknown> = {};
    replacePathValue(values, 'a.port', '5432');
    replacePathValue(values, 'a.on', 'true');
    replacePathValue(values, 'a.quoted', '"5432"');
    replacePathValue(values, 'a.literal', '007,x', true);
    replacePathValue(values, 'a\\.b.c', 'd');
    expect(values).toEqual({ a: { port: 5432, on: true, quoted: '5432', literal: '007,x' }, 'a.b': { c: 'd' } });
  });

  test('a missing reference fails unless optional', () => {
    expect(() => composeValues({}, [{ kind: 'Secret', name: 's', valuesKey: 'k' }])).toThrow("could not resolve Secret chart values reference 's' with key 'k'");
    expect(composeValues({ a: 1 }, [{ kind: 'Secret', name: 's', valuesKey: 'k', optional: true }])).toEqual({ a: 1 });
  });

  test('targetPath syntax errors are named', () => {
    expect(parseSetPath('global.pgConfig.host')).toEqual([{ key: 'global' }, { key: 'pgConfig' }, { key: 'host' }]);
    expect(() => parseSetPath('a[x]')).toThrow('list index "x" is not a number');
    expect(() => parseSetPath('a=b')).toThrow('is --set syntax');
    expect(() => parseSetPath('a..b')).toThrow('has an empty key');
  });
});
