import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileRuleOutcomeCache } from '../../pipeline/cel-cache';
import { tempDir } from '../helpers';

describe('the CEL outcome cache on disk', () => {
  test('keeps what a run used, drops the rest, and survives a damaged file', () => {
    const file = path.join(tempDir(), 'cache', 'cel-outcomes.json');
    const first = new FileRuleOutcomeCache(file);
    expect(first.get('a')).toBeUndefined();
    first.set('a', { held: true });
    first.set('b', { failed: 'b fails' });
    first.save();
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ a: { held: true }, b: { failed: 'b fails' } });

    const second = new FileRuleOutcomeCache(file);
    expect(second.get('b')).toEqual({ failed: 'b fails' });
    second.save();
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ b: { failed: 'b fails' } });

    fs.writeFileSync(file, '{ not json');
    const third = new FileRuleOutcomeCache(file);
    expect(third.get('b')).toBeUndefined();
  });
});
