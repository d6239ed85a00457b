import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileRuleOutcomeCache } from '../../pipeline/cel-cache';
import { tempDir } from '../helpers';

describe('the CEL outcome cache on disk', () => {
  test('keeps earlier entries after this run\'s, writes only when something was added, survives a damaged file', () => {
    const file = path.join(tempDir(), 'cache', 'cel-outcomes.json');
    const first = new FileRuleOutcomeCache(file);
    expect(first.get('a')).toBeUndefined();
    first.set('a', { held: true });
    first.set('b', { failed: 'b fails' });
    first.save();
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ a: { held: true }, b: { failed: 'b fails' } });

    // A run that only reads writes nothing; one that adds keeps the earlier entries after its own.
    const second = new FileRuleOutcomeCache(file);
    expect(second.get('b')).toEqual({ failed: 'b fails' });
    const earlier = JSON.stringify({ a: { held: true }, b: { failed: 'b fails' }, untouched: { held: true } });
    fs.writeFileSync(file, earlier);
    fs.writeFileSync(`${file}.sha256`, crypto.createHash('sha256').update(earlier).digest('hex'));
    second.save();
    expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')))).toEqual(['a', 'b', 'untouched']);
    const third = new FileRuleOutcomeCache(file);
    third.get('untouched');
    third.set('c', { skipped: 'transition rule' });
    third.save();
    expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')))).toEqual(['untouched', 'c', 'a', 'b']);

    fs.writeFileSync(file, '{ not json');
    expect(new FileRuleOutcomeCache(file).get('b')).toBeUndefined();
  });

  test('case 7: an outcome edited into the file (a failing rule turned into a pass) is not trusted', () => {
    const file = path.join(tempDir(), 'cel-outcomes.json');
    const cache = new FileRuleOutcomeCache(file);
    cache.set('rule|value', { failed: 'must be positive' });
    cache.save();
    expect(new FileRuleOutcomeCache(file).get('rule|value')).toEqual({ failed: 'must be positive' });
    fs.writeFileSync(file, JSON.stringify({ 'rule|value': { held: true } }));
    expect(new FileRuleOutcomeCache(file).get('rule|value')).toBeUndefined();
  });

  test('a file whose hash matches but whose shape no run writes (null, a list, a bad entry) is not an internal error: its bad entries are evaluated again', () => {
    const file = path.join(tempDir(), 'cel-outcomes.json');
    const withHash = (text: string) => {
      fs.writeFileSync(file, text);
      fs.writeFileSync(`${file}.sha256`, `${crypto.createHash('sha256').update(text).digest('hex')}\n`);
      return new FileRuleOutcomeCache(file);
    };
    expect(withHash('null').get('a')).toBeUndefined();
    expect(withHash('[{"held":true}]').get('0')).toBeUndefined();
    const mixed = withHash(JSON.stringify({
      number: 5, empty: {}, falseHeld: { held: false }, twoKeys: { held: true, failed: 'x' }, failedNotText: { failed: 1 },
      held: { held: true }, failed: { failed: 'must be set' }, skipped: { skipped: 'transition rule' },
    }));
    for (const key of ['number', 'empty', 'falseHeld', 'twoKeys', 'failedNotText']) expect(mixed.get(key)).toBeUndefined();
    expect(mixed.get('held')).toEqual({ held: true });
    expect(mixed.get('failed')).toEqual({ failed: 'must be set' });
    expect(mixed.get('skipped')).toEqual({ skipped: 'transition rule' });
  });
});
