/**
 * The pin comments Renovate reads (.github/renovate.json5) state the image or chart a second time, next
 * to the constant that holds it; these tests keep the two from drifting apart. `.ci/run` checks the
 * other half: that Renovate's extract-only run lists every pin the synthesized tree uses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EGRESS_PROXY_IMAGE, EXTERNAL_SECRETS_CHART, TAILSCALE_IMAGE } from '../../lib/constants';
import { parseImageReference } from '../../lib/images';
import { REPO_ROOT } from '../../lib/paths';

const PIN_COMMENT = /^\s*\/\/ renovate: datasource=(\S+)(?: registryUrl=(\S+))? depName=(\S+)$/;

function pinComments() {
  const lines = fs.readFileSync(path.join(REPO_ROOT, 'lib/constants.ts'), 'utf8').split('\n');
  return lines.flatMap((line, index) => {
    const match = PIN_COMMENT.exec(line);
    return match ? [{ datasource: match[1], registryUrl: match[2], depName: match[3], pinnedLine: lines[index + 1] }] : [];
  });
}

describe('pins in lib/constants.ts', () => {
  test('each pin comment names what its constant holds, directly above the line with the version', () => {
    expect(pinComments()).toEqual([
      {
        datasource: 'docker', registryUrl: undefined, depName: parseImageReference(TAILSCALE_IMAGE).repository,
        pinnedLine: `export const TAILSCALE_IMAGE = '${TAILSCALE_IMAGE}';`,
      },
      {
        datasource: 'docker', registryUrl: undefined, depName: parseImageReference(EGRESS_PROXY_IMAGE).repository,
        pinnedLine: `export const EGRESS_PROXY_IMAGE = '${EGRESS_PROXY_IMAGE}';`,
      },
      {
        datasource: 'helm', registryUrl: EXTERNAL_SECRETS_CHART.repository, depName: EXTERNAL_SECRETS_CHART.name,
        pinnedLine: `  version: '${EXTERNAL_SECRETS_CHART.version}',`,
      },
    ]);
  });

  test('the pinned values are exact versions', () => {
    expect(parseImageReference(TAILSCALE_IMAGE).tag).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(parseImageReference(EGRESS_PROXY_IMAGE).tag).toMatch(/^\d+\.\d+\.\d+-alpine$/);
    expect(EXTERNAL_SECRETS_CHART.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
