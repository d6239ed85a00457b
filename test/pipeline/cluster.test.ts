import { Layer, treeFolder } from '../../lib/layout';
import { synthesizeCluster } from '../../pipeline/cluster';
import { renderTree } from '../../pipeline/tree';
import { config } from '../helpers';

function tree(cluster: 'prod' | 'dev', change?: Parameters<typeof config>[1]) {
  const synthesized = synthesizeCluster(config(cluster, change));
  const rendered = renderTree([synthesized], new Map([[cluster, `config/${cluster}.yaml`]]));
  const manifests = rendered.universes.get(cluster)!.map((object) => ({ ...object.manifest, file: object.source!.file })) as Array<Record<string, any>>;
  return { files: rendered.files, manifests };
}

const byKind = (manifests: Array<Record<string, any>>, kind: string) => manifests.filter((manifest) => manifest.kind === kind);

describe.each(['prod', 'dev'] as const)('the %s tree', (cluster) => {
  const { files, manifests } = tree(cluster);

  test('the cluster folder holds only Flux Kustomizations, one per layer', () => {
    const entry = manifests.filter((manifest) => manifest.file.startsWith(`flux/clusters/${cluster}/`));
    expect(entry.map((manifest) => `${manifest.apiVersion} ${manifest.kind} ${manifest.metadata.name}`)).toEqual([
      'kustomize.toolkit.fluxcd.io/v1 Kustomization controllers',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization configs',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization network',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization apps',
    ]);
    expect([...files.keys()].filter((file) => file.startsWith(`clusters/${cluster}/`)).every((file) => /^clusters\/[^/]+\/kustomization-/.test(file))).toBe(true);
  });

  test('layers chain controllers → configs → network and apps, waiting where the next layer needs it', () => {
    const layers = Object.fromEntries(byKind(manifests, 'Kustomization').map((k) => [k.metadata.name, k.spec]));
    expect(layers.controllers.dependsOn).toBeUndefined();
    expect(layers.configs.dependsOn).toEqual([{ name: 'controllers' }]);
    expect(layers.network.dependsOn).toEqual([{ name: 'configs' }]);
    expect(layers.apps.dependsOn).toEqual([{ name: 'configs' }]);
    for (const spec of Object.values(layers)) {
      expect(spec).toMatchObject({ prune: true, wait: true, interval: '10m', retryInterval: '1m', timeout: '5m', sourceRef: { kind: 'GitRepository', name: 'flux-system' } });
    }
    expect(layers.controllers.path).toBe(`./flux/${treeFolder(cluster, Layer.CONTROLLERS)}`);
    expect(layers.apps.path).toBe(`./flux/apps/${cluster}`);
  });

  test('every layer folder lists exactly its files in kustomization.yaml', () => {
    for (const layer of Object.values(Layer)) {
      const folder = treeFolder(cluster, layer);
      const listed = files.get(`${folder}/kustomization.yaml`)!.split('\n').filter((line) => line.startsWith('  - ')).map((line) => line.slice(4));
      const present = [...files.keys()].filter((file) => file.startsWith(`${folder}/`) && !file.endsWith('/kustomization.yaml')).map((file) => file.slice(folder.length + 1));
      expect(listed).toEqual(present.sort());
    }
  });

  test('each object lands in the layer that needs it', () => {
    const folderOf = (kind: string) => [...new Set(byKind(manifests, kind).map((m) => m.file.split('/').slice(0, -1).join('/')))];
    expect(folderOf('Namespace')).toEqual([`flux/infrastructure/${cluster}/controllers`]);
    expect(folderOf('HelmRelease')).toEqual([`flux/infrastructure/${cluster}/controllers`]);
    expect(folderOf('ClusterSecretStore')).toEqual([`flux/infrastructure/${cluster}/configs`]);
    expect(folderOf('ExternalSecret')).toEqual([`flux/infrastructure/${cluster}/configs`]);
    expect(folderOf('DaemonSet')).toEqual([`flux/infrastructure/${cluster}/network`]);
  });

  test('namespaces: ESO restricted, Tailscale privileged with its reason, config namespaces as declared', () => {
    const namespaces = Object.fromEntries(byKind(manifests, 'Namespace').map((n) => [n.metadata.name, n.metadata]));
    expect(namespaces['external-secrets-system'].labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(namespaces.tailscale.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(namespaces.tailscale.annotations['oceanid.goldfish.inc/privileged-reason']).toMatch(/kernel mode/);
    expect(namespaces.apps.labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.33');
  });

  test('the store reads this cluster\'s ESC environment and admits the namespaces that declare secrets', () => {
    const [store] = byKind(manifests, 'ClusterSecretStore');
    expect(store.spec.provider.pulumi.environment).toBe(cluster);
    expect(store.spec.conditions).toEqual([{ namespaces: ['apps', 'tailscale'] }]);
  });

  test('nothing of Pulumi and no Secret with data in the tree', () => {
    const text = [...files.values()].join('\n');
    expect(text).not.toMatch(/pulumi\.com|pulumi-system|pulumi-kubernetes-operator/);
    expect(byKind(manifests, 'Secret')).toEqual([]);
  });

  test('output is deterministic', () => {
    expect(tree(cluster).files).toEqual(files);
  });
});

describe('Tailscale per cluster', () => {
  test('prod: the exit node DaemonSet runs only on srv712429, the clients everywhere else', () => {
    const daemonSets = Object.fromEntries(byKind(tree('prod').manifests, 'DaemonSet').map((d) => [d.metadata.name, d.spec.template.spec]));
    const terms = (name: string) => daemonSets[name].affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms('tailscale-exit-node')).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['srv712429'] }] }]);
    expect(terms('tailscale-client')).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['srv712429'] }] }]);
    const env = (name: string) => Object.fromEntries(daemonSets[name].containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    expect(env('tailscale-client').TS_EXTRA_ARGS).toBe('--exit-node=100.81.237.43 --exit-node-allow-lan-access --advertise-tags=tag:k8s');
    expect(env('tailscale-exit-node').TS_ROUTES).toBe('10.42.0.0/16,10.43.0.0/16');
  });

  test('dev: one client DaemonSet on every node, no exit node, no routes', () => {
    const daemonSets = byKind(tree('dev').manifests, 'DaemonSet');
    expect(daemonSets.map((d) => d.metadata.name)).toEqual(['tailscale-client']);
    const spec = daemonSets[0].spec.template.spec;
    expect(spec.affinity).toBeUndefined();
    const names = spec.containers[0].env.map((e: { name: string }) => e.name);
    expect(names).not.toContain('TS_ROUTES');
    expect(spec.containers[0].env.find((e: { name: string }) => e.name === 'TS_EXTRA_ARGS').value).toBe('--advertise-tags=tag:k8s-dev');
  });

  test('a new config namespace and secret appear in their layers and in the store conditions', () => {
    const { manifests } = tree('prod', (d) => {
      d.namespaces.push({ name: 'ml', podSecurity: 'baseline' });
      d.secrets.push({ name: 'model-registry', namespace: 'ml', data: { TOKEN: 'ml.registry.token' } });
    });
    expect(byKind(manifests, 'Namespace').find((n) => n.metadata.name === 'ml')?.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(byKind(manifests, 'ClusterSecretStore')[0].spec.conditions).toEqual([{ namespaces: ['apps', 'ml', 'tailscale'] }]);
    expect(byKind(manifests, 'ExternalSecret').map((e) => `${e.metadata.namespace}/${e.metadata.name}`)).toContain('ml/model-registry');
  });
});
