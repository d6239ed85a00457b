import {
  clusterFolders, folderOfKustomizationPath, folderRank, kustomizationPath, Layer, LAYER_DEPENDENCIES, LAYERS, placeOf, TAILNET_POLICY_DIR,
  tailnetPolicyFile, TREE_FOLDERS, treeFolder,
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
