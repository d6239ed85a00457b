import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { pendingTailnetPolicies, renderTailnetPolicy, tailnetPolicyFragment, writeTailnetPolicies } from '../../pipeline/tailnet-policy';
import { config, tempDir } from '../helpers';

describe('tailnet policy fragment', () => {
  test('prod: an owner for tag:k8s from config, and tethys\' routes and exit node auto-approved for its tag', () => {
    expect(tailnetPolicyFragment(config('prod'))).toEqual({
      tagOwners: { 'tag:k8s': ['autogroup:admin'] },
      autoApprovers: { routes: { '10.42.0.0/16': ['tag:k8s'], '10.43.0.0/16': ['tag:k8s'] }, exitNode: ['tag:k8s'] },
    });
  });

  test('dev: no exit node, so only tag owners', () => {
    expect(tailnetPolicyFragment(config('dev'))).toEqual({ tagOwners: { 'tag:k8s-dev': ['autogroup:admin'] } });
  });

  test('owners come from config, never invented', () => {
    const fragment = tailnetPolicyFragment(config('prod', (d) => { d.tailscale.tagOwners['tag:k8s'] = ['group:platform', 'ops@goldfish.inc']; }));
    expect(fragment.tagOwners).toEqual({ 'tag:k8s': ['group:platform', 'ops@goldfish.inc'] });
  });

  test('the committed tailnet/<cluster>.json is what synth renders, and it is plain JSON', () => {
    for (const cluster of ['prod', 'dev'] as const) {
      const text = fs.readFileSync(path.join(REPO_ROOT, 'tailnet', `${cluster}.json`), 'utf8');
      expect(text).toBe(renderTailnetPolicy(config(cluster)));
      expect(() => JSON.parse(text)).not.toThrow();
    }
  });
});

describe('writing the fragments beside flux/', () => {
  test('only a fragment that differs is written, whole, and a link in the way refuses before anything is written', () => {
    const root = tempDir();
    const policies = new Map([['tailnet/prod.json', '{"a":1}\n'], ['tailnet/dev.json', '{"b":2}\n']]);
    fs.mkdirSync(path.join(root, 'tailnet'));
    fs.writeFileSync(path.join(root, 'tailnet/dev.json'), '{"b":2}\n');
    const pending = pendingTailnetPolicies(root, policies);
    expect(pending).toEqual([{ file: 'tailnet/prod.json', target: path.join(root, 'tailnet/prod.json'), content: '{"a":1}\n' }]);
    expect(writeTailnetPolicies(pending as Exclude<typeof pending, string>)).toEqual(['tailnet/prod.json']);
    expect(fs.readdirSync(path.join(root, 'tailnet')).sort()).toEqual(['dev.json', 'prod.json']);
    expect(pendingTailnetPolicies(root, policies)).toEqual([]);

    fs.rmSync(path.join(root, 'tailnet/prod.json'));
    fs.symlinkSync('/dev/zero', path.join(root, 'tailnet/prod.json'));
    expect(pendingTailnetPolicies(root, policies)).toBe(`${path.join(root, 'tailnet/prod.json')} is a symbolic link (never followed): `
      + 'synth writes the tailnet policy fragment there; remove it');
  });
});
