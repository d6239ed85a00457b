import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../lib/paths';
import { renderTailnetPolicy, tailnetPolicyFragment } from '../../pipeline/tailnet-policy';
import { config } from '../helpers';

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
