/**
 * The CEL check on CRDs among the checked files: where rules run, what `self` is, which message and
 * path a failure carries, and what is reported as not evaluated.
 */
import { checkCelRules, RuleOutcome } from '../../../policy/cel';
import { applyDefaults, parseFieldPath } from '../../../policy/cel/evaluate';
import { celSkeleton } from '../../../policy/cel/skeleton';
import { Universe } from '../../../policy/universe';
import { objects, schemas } from '../../helpers';

/** A Widget CRD whose spec schema is `spec`. */
function crd(spec: Record<string, unknown>) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } }],
    },
  };
}

const widget = (spec: unknown) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'apps' }, spec });

function run(spec: Record<string, unknown>, value: unknown, cache?: Map<string, RuleOutcome>) {
  const result = checkCelRules(new Universe(objects([crd(spec), widget(value)])), schemas().at('1.33'), cache);
  return {
    findings: result.findings.map((finding) => `${finding.path}: ${finding.message}`),
    notes: result.notes.map((note) => `${note.path}: ${note.message}`),
  };
}

const rules = (...list: Array<Record<string, unknown>>) => ({ 'x-kubernetes-validations': list });

describe('where rules run and what self is', () => {
  test('a rule under items runs for every item, at the item\'s path', () => {
    const spec = { type: 'object', properties: { ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } }, ...rules({ rule: 'self.port < 1024', message: 'privileged ports only' }) } } } };
    expect(run(spec, { ports: [{ port: 80 }, { port: 8080 }, { port: 443 }, { port: 9090 }] }).findings)
      .toEqual(['spec.ports[1]: privileged ports only', 'spec.ports[3]: privileged ports only']);
  });

  test('a rule under additionalProperties runs for every map value, at its key', () => {
    const spec = { type: 'object', properties: { limits: { type: 'object', additionalProperties: { type: 'integer', ...rules({ rule: 'self >= 0', message: 'must not be negative' }) } } } };
    expect(run(spec, { limits: { cpu: 1, 'memory.max': -1 } }).findings).toEqual(['spec.limits["memory.max"]: must not be negative']);
  });

  test('integers are CEL ints, so int arithmetic and comparisons with int literals work', () => {
    const spec = { type: 'object', properties: { replicas: { type: 'integer' } }, ...rules({ rule: 'self.replicas % 2 == 1', message: 'odd replicas only' }) };
    expect(run(spec, { replicas: 3 }).findings).toEqual([]);
    expect(run(spec, { replicas: 4 }).findings).toEqual(['spec: odd replicas only']);
  });

  test('fields the schema does not declare are pruned before the rule sees self, as the API server prunes them', () => {
    const spec = { type: 'object', properties: { a: { type: 'string' } }, ...rules({ rule: '!has(self.b)', message: 'b is pruned anyway' }) };
    expect(run(spec, { a: 'x', b: 'y' }).findings).toEqual([]);
  });

  test('defaults are applied before validation, as the API server defaults before it validates', () => {
    const spec = { type: 'object', properties: { mode: { type: 'string', default: 'fast' }, retries: { type: 'integer' } }, ...rules({ rule: "self.mode != 'fast' || !has(self.retries)", message: 'fast mode does not retry' }) };
    expect(run(spec, { retries: 3 }).findings).toEqual(['spec: fast mode does not retry']);
    expect(run(spec, { mode: 'safe', retries: 3 }).findings).toEqual([]);
    expect(applyDefaults({ spec: {} }, celSkeleton({ type: 'object', properties: { spec: spec } }))).toEqual({ spec: { mode: 'fast' } });
  });

  test('a rule on an absent value does not run', () => {
    const spec = { type: 'object', properties: { tls: { type: 'object', properties: { cert: { type: 'string' } }, ...rules({ rule: 'has(self.cert)', message: 'tls needs a cert' }) } } };
    expect(run(spec, {}).findings).toEqual([]);
    expect(run(spec, { tls: {} }).findings).toEqual(['spec.tls: tls needs a cert']);
  });
});

describe('what a failure says', () => {
  test('messageExpression wins over message; fieldPath moves the path', () => {
    const spec = {
      type: 'object', properties: { min: { type: 'integer' }, max: { type: 'integer' } },
      ...rules({ rule: 'self.min <= self.max', message: 'min above max', messageExpression: "'min ' + string(self.min) + ' is above max ' + string(self.max)", fieldPath: '.min', reason: 'FieldValueInvalid' }),
    };
    expect(run(spec, { min: 5, max: 2 }).findings).toEqual(['spec.min: min 5 is above max 2']);
  });

  test('a messageExpression that fails falls back to message; no message at all names the rule', () => {
    const failing = { type: 'object', properties: { a: { type: 'string' } }, ...rules({ rule: 'false', message: 'fallback', messageExpression: 'self.missing' }) };
    expect(run(failing, { a: 'x' }).findings).toEqual(['spec: fallback']);
    const bare = { type: 'object', properties: { a: { type: 'string' } }, ...rules({ rule: "self.a == 'y'" }) };
    expect(run(bare, { a: 'x' }).findings).toEqual(["spec: failed rule: self.a == 'y'"]);
  });

  test('an evaluation error refuses the object, as the API server does', () => {
    const spec = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, ...rules({ rule: "self.b == 'x'", message: 'b must be x' }) };
    expect(run(spec, { a: 'x' }).findings).toEqual([expect.stringMatching(/^spec: rule "self\.b == 'x'" fails to evaluate: .*b/)]);
  });

  test('fieldPath segments: fields, quoted keys and indexes', () => {
    expect(parseFieldPath(".spec.limits['memory.max'][2].value")).toEqual(['spec', 'limits', 'memory.max', 2, 'value']);
  });
});

describe('what is not evaluated is said, never passed silently', () => {
  test('a transition rule (oldSelf) is a note, not a finding', () => {
    const spec = { type: 'object', properties: { size: { type: 'integer' } }, ...rules({ rule: 'self.size >= oldSelf.size', message: 'cannot shrink' }) };
    expect(run(spec, { size: 1 })).toEqual({
      findings: [],
      notes: ['spec: CEL rule not evaluated: transition rule (reads oldSelf, the stored object, which the gate does not have): self.size >= oldSelf.size'],
    });
  });

  test('a rule calling a function the gate does not implement is a note', () => {
    const spec = { type: 'object', properties: { memory: { type: 'string' } }, ...rules({ rule: "quantity(self.memory).isLessThan(quantity('1Gi'))" }) };
    expect(run(spec, { memory: '2Gi' }).notes).toEqual([expect.stringContaining('CEL rule not evaluated: calls ')]);
    expect(run(spec, { memory: '2Gi' }).notes[0]).toContain('quantity');
    expect(run(spec, { memory: '2Gi' }).findings).toEqual([]);
  });
});

describe('the outcome cache', () => {
  test('outcomes are stored per rule, schema node and value, and reused', () => {
    const spec = { type: 'object', properties: { a: { type: 'integer' } }, ...rules({ rule: 'self.a > 1', message: 'a too small' }) };
    const cache = new Map<string, RuleOutcome>();
    expect(run(spec, { a: 1 }, cache).findings).toEqual(['spec: a too small']);
    expect([...cache.values()]).toEqual([{ failed: 'a too small' }]);
    // A reused outcome is what is reported: rewrite the stored one and the check says what the cache says.
    const [key] = [...cache.keys()];
    cache.set(key, { failed: 'from the cache' });
    expect(run(spec, { a: 1 }, cache).findings).toEqual(['spec: from the cache']);
    expect(run(spec, { a: 2 }, cache).findings).toEqual([]);
    expect(cache.size).toBe(2);
  });
});
