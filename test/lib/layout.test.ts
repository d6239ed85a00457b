import {
  clusterFolders, folderOfKustomizationPath, folderRank, kustomizationPath, Layer, LAYER_DEPENDENCIES, LAYERS, layoutFolderAbove, objectFileName, placeOf,
  sidecarPaths, TAILNET_POLICY_DIR, tailnetPolicyFile, TREE_FOLDERS, treeFolder,
} from '../../lib/layout';
import { FLUX_DIR } from '../../lib/paths';

describe('tree layout', () => {
  test('folders of one cluster, entry first, layers in apply order', () => {
    expect(clusterFolders('prod')).toEqual([
      'clusters/prod', 'infrastructure/prod/controllers', 'infrastructure/prod/configs', 'infrastructure/prod/network', 'apps/prod',
      'infrastructure/prod/verify',
    ]);
  });

  test('verify comes after network and apps, and no layer waits for it', () => {
    expect(LAYER_DEPENDENCIES[Layer.VERIFY]).toEqual([Layer.NETWORK, Layer.APPS]);
    for (const layer of LAYERS) expect(LAYER_DEPENDENCIES[layer]).not.toContain(Layer.VERIFY);
  });

  test('the tailnet policy fragment lives beside flux/, never inside it', () => {
    expect(tailnetPolicyFile('prod')).toBe('tailnet/prod.json');
    expect(TAILNET_POLICY_DIR).not.toBe(FLUX_DIR);
    expect(tailnetPolicyFile('prod').startsWith(`${FLUX_DIR}/`)).toBe(false);
  });

  test('every folder places back to its cluster and layer', () => {
    for (const folder of TREE_FOLDERS) {
      expect(placeOf(`${treeFolder('dev', folder)}/x.yaml`)).toEqual({ cluster: 'dev', folder });
    }
  });

  test.each([
    'clusters/prod/flux-system/gotk-sync.yaml', 'infrastructure/prod/apps/x.yaml', 'infrastructure/prod/other/x.yaml',
    'apps/prod/sub/x.yaml', 'x.yaml', 'apps/../x.yaml', 'infrastructure/prod/configs',
  ])('%s is outside the layout', (file) => expect(placeOf(file)).toBeUndefined());

  test('a Kustomization path leads back to its folder', () => {
    for (const layer of LAYERS) expect(folderOfKustomizationPath(kustomizationPath('prod', layer))).toBe(treeFolder('prod', layer));
    expect(folderOfKustomizationPath('./elsewhere')).toBeUndefined();
  });

  test('dependencies only point to earlier layers', () => {
    for (const layer of LAYERS) {
      for (const dependency of LAYER_DEPENDENCIES[layer]) expect(folderRank(dependency)).toBeLessThan(folderRank(layer));
    }
    expect(LAYER_DEPENDENCIES[Layer.APPS]).toEqual([Layer.CONFIGS]);
    expect(folderRank('unknown')).toBe(LAYERS.length + 1);
  });
});

describe('what synth keeps beside the tree, and what lies below a layout folder', () => {
  test('lock, journal and staging sit beside the tree folder, named after it', () => {
    expect(sidecarPaths('/repo/flux')).toEqual({ lock: '/repo/.flux-synth.lock', journal: '/repo/.flux-synth-journal.json', stagingPrefix: '/repo/.flux-staging-' });
  });

  test('a path deeper than a layout folder names that folder; flux-system is the caller\'s to skip', () => {
    expect(layoutFolderAbove('apps/prod/sub/x.yaml')).toBe('apps/prod');
    expect(layoutFolderAbove('infrastructure/prod/network/a/b/x.yaml')).toBe('infrastructure/prod/network');
    expect(layoutFolderAbove('apps/prod/x.yaml')).toBeUndefined();
    expect(layoutFolderAbove('infrastructure/prod/other/x.yaml')).toBeUndefined();
  });

  test('object file names: kind, namespace, name', () => {
    expect(objectFileName({ kind: 'DaemonSet', metadata: { namespace: 'tailscale', name: 'client' } })).toBe('daemonset-tailscale-client.yaml');
    expect(objectFileName({ kind: 'Namespace', metadata: { name: 'apps' } })).toBe('namespace-apps.yaml');
  });
});
