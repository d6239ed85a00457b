import { Layer, treeFolder } from '../../lib/layout';
import { synthesizeCluster } from '../../pipeline/cluster';
import { renderTree } from '../../pipeline/tree';
import { runGate } from '../../policy';
import { defaultSchemaRegistry } from '../../pipeline/synth';
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
      'kustomize.toolkit.fluxcd.io/v1 Kustomization verify',
    ]);
    expect([...files.keys()].filter((file) => file.startsWith(`clusters/${cluster}/`)).every((file) => /^clusters\/[^/]+\/kustomization-/.test(file))).toBe(true);
  });

  test('layers chain controllers → configs → network and apps → verify, waiting where the next layer needs it', () => {
    const layers: Record<string, any> = Object.fromEntries(byKind(manifests, 'Kustomization').map((k) => [k.metadata.name, k.spec]));
    expect(layers.controllers.dependsOn).toBeUndefined();
    expect(layers.configs.dependsOn).toEqual([{ name: 'controllers' }]);
    expect(layers.network.dependsOn).toEqual([{ name: 'configs' }]);
    expect(layers.apps.dependsOn).toEqual([{ name: 'configs' }]);
    expect(layers.verify.dependsOn).toEqual([{ name: 'network' }, { name: 'apps' }]);
    for (const [name, spec] of Object.entries(layers)) {
      expect(spec).toMatchObject({ prune: true, wait: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } });
      // verify is re-checked every 2 minutes so a lost egress shows within minutes; nothing depends on it.
      expect(spec).toMatchObject(name === 'verify' ? { interval: '2m', retryInterval: '1m', timeout: '1m' } : { interval: '10m', retryInterval: '1m', timeout: '5m' });
      expect((spec.dependsOn ?? []).map((dependency: { name: string }) => dependency.name)).not.toContain('verify');
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
    // ESO's release installs CRDs later layers use; applications' releases wait for their Secrets.
    const releases = byKind(manifests, 'HelmRelease');
    const releaseFolder = (name: string) => releases.filter((m) => m.metadata.name === name).map((m) => m.file.split('/').slice(0, -1).join('/'));
    expect(releaseFolder('external-secrets')).toEqual([`flux/infrastructure/${cluster}/controllers`]);
    // Only prod runs Label Studio (README, "What dev gets").
    expect(releaseFolder('label-studio')).toEqual(cluster === 'prod' ? [`flux/apps/${cluster}`] : []);
    expect(folderOf('ClusterSecretStore')).toEqual([`flux/infrastructure/${cluster}/configs`]);
    expect(folderOf('ExternalSecret')).toEqual([`flux/infrastructure/${cluster}/configs`]);
    expect(byKind(manifests, 'DaemonSet').map((d) => `${d.file.split('/').slice(0, -1).join('/')} ${d.metadata.namespace}/${d.metadata.name}`).sort()).toEqual([
      ...(cluster === 'prod' ? [`flux/infrastructure/${cluster}/network tailscale/tailscale-exit-node`] : []),
      `flux/infrastructure/${cluster}/network tailscale/tailscale-client`,
      `flux/infrastructure/${cluster}/verify tailscale/verify-tailnet`,
      `flux/infrastructure/${cluster}/verify verify/verify-egress`,
    ].sort());
    expect(folderOf('Deployment')).toEqual(cluster === 'prod' ? [`flux/infrastructure/${cluster}/network`] : []);
  });

  test('configs is Ready only when every ExternalSecret has synced its current spec and the store is Ready', () => {
    const configs = byKind(manifests, 'Kustomization').find((k) => k.metadata.name === 'configs')!;
    expect(configs.spec.healthCheckExprs.map((check: { kind: string }) => check.kind)).toEqual(['ExternalSecret', 'ClusterSecretStore']);
    expect(configs.spec.healthCheckExprs[0].current).toContain("status.syncedResourceVersion.startsWith(string(metadata.generation) + '-')");
    const others = byKind(manifests, 'Kustomization').filter((k) => k.metadata.name !== 'configs');
    expect(others.every((k) => k.spec.healthCheckExprs === undefined)).toBe(true);
  });

  test('namespaces: ESO restricted, Tailscale privileged with its reason, config namespaces as declared', () => {
    const namespaces = Object.fromEntries(byKind(manifests, 'Namespace').map((n) => [n.metadata.name, n.metadata]));
    expect(namespaces.verify.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(namespaces.egress?.labels['pod-security.kubernetes.io/enforce']).toBe(cluster === 'prod' ? 'restricted' : undefined);
    expect(namespaces['external-secrets-system'].labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(namespaces.tailscale.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(namespaces.tailscale.annotations['oceanid.goldfish.inc/privileged-reason']).toMatch(/kernel mode/);
    expect(namespaces.apps.labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.33');
  });

  test('the store reads this cluster\'s ESC environment and admits the namespaces that declare secrets', () => {
    const [store] = byKind(manifests, 'ClusterSecretStore');
    expect(store.spec.provider.pulumi.environment).toBe(cluster);
    expect(store.spec.conditions).toEqual([{ namespaces: cluster === 'prod' ? ['apps', 'egress', 'tailscale'] : ['apps', 'tailscale'] }]);
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

describe('alerts (optional)', () => {
  test('none unless configured', () => {
    expect(byKind(tree('prod').manifests, 'Alert')).toEqual([]);
  });

  test('configured: Provider and Alert in namespace alerts beside their ESC-synced Secret, and the gate passes', () => {
    const change = (d: Record<string, any>) => {
      d.alerts = { provider: 'slack', channel: '#oceanid', secret: 'flux-alerts' };
      d.secrets.push({ name: 'flux-alerts', namespace: 'alerts', data: { address: 'alerts.slack.address', token: 'alerts.slack.token' } });
    };
    const { manifests } = tree('prod', change);
    const placed = (kind: string) => byKind(manifests, kind).map((m) => `${m.file.split('/').slice(0, -1).join('/')} ${m.metadata.namespace}/${m.metadata.name}`);
    expect(placed('Provider')).toEqual(['flux/infrastructure/prod/configs alerts/oceanid']);
    expect(placed('Alert')).toEqual(['flux/infrastructure/prod/configs alerts/oceanid']);
    expect(placed('ExternalSecret')).toContain('flux/infrastructure/prod/configs alerts/flux-alerts');
    expect(byKind(manifests, 'Namespace').map((n) => n.metadata.name)).toContain('alerts');
    const synthesized = synthesizeCluster(config('prod', change));
    const rendered = renderTree([synthesized], new Map([['prod', 'config/prod.yaml']]));
    expect(runGate(rendered.universes.get('prod')!, { schemas: defaultSchemaRegistry(), kubernetesMinor: 33 }).findings.map((f) => f.message)).toEqual([]);
  });
});

describe('Tailscale per cluster', () => {
  test('prod: the exit node DaemonSet runs only on srv712429, the clients everywhere else', () => {
    const daemonSets = Object.fromEntries(byKind(tree('prod').manifests, 'DaemonSet').map((d) => [d.metadata.name, d.spec.template.spec]));
    const terms = (name: string) => daemonSets[name].affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms('tailscale-exit-node')).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['srv712429'] }] }]);
    expect(terms('tailscale-client')).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['srv712429'] }] }]);
    const env = (name: string) => Object.fromEntries(daemonSets[name].containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    // prod sends only database traffic through tethys (egress proxy), so clients use no exit node.
    expect(env('tailscale-client').TS_EXTRA_ARGS).toBe('--reset --advertise-tags=tag:k8s');
    expect(env('tailscale-exit-node').TS_EXTRA_ARGS).toBe('--reset --advertise-exit-node --advertise-tags=tag:k8s');
    expect(env('tailscale-exit-node').TS_ROUTES).toBe('10.42.0.0/16,10.43.0.0/16');
    // IPv6 forwarding only on the exit node; MSS clamping on both.
    const inits = (name: string) => daemonSets[name].initContainers.map((init: { name: string; command: string[] }) => `${init.name}: ${init.command[2].includes('sysctl')}`);
    expect(inits('tailscale-exit-node')).toEqual(['host-daemon-check: false', 'kernel-settings: true']);
    expect(inits('tailscale-client')).toEqual(['host-daemon-check: false', 'kernel-settings: false']);
  });

  test('prod: the database proxy runs on srv712429 only and reads its target from the ESC-synced Secret', () => {
    const { manifests } = tree('prod');
    const [deployment] = byKind(manifests, 'Deployment');
    expect(deployment.metadata).toMatchObject({ name: 'database', namespace: 'egress' });
    const pod = deployment.spec.template.spec;
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
      .toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['srv712429'] }] }]);
    expect(pod.containers[0].env).toEqual([
      { name: 'TARGET_HOST', valueFrom: { secretKeyRef: { name: 'database-endpoint', key: 'DB_HOST' } } },
      { name: 'TARGET_PORT', value: '5432' },
    ]);
    const [service] = byKind(manifests, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'proxy', port: 5432, targetPort: 8080, protocol: 'TCP' }]);
  });

  test('prod verify: egress 157.173.210.123 checked from tethys (the proxies\' node), Label Studio and the database proxy from every node', () => {
    const { manifests } = tree('prod');
    const egress = byKind(manifests, 'DaemonSet').find((d) => d.metadata.name === 'verify-egress')!;
    const env = Object.fromEntries(egress.spec.template.spec.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    expect(env).toMatchObject({
      EXPECTED_EGRESS_IP: '157.173.210.123', EGRESS_NODES: 'srv712429', ECHO_URL: 'https://ipinfo.io/ip',
      ENDPOINTS: 'label-studio=label-studio-ls-app.apps.svc.cluster.local:80 database=database.egress.svc.cluster.local:5432',
    });
    expect(egress.spec.template.spec.containers[0].readinessProbe).toEqual({
      exec: { command: ['/bin/sh', '/checks/check-egress.sh'] }, periodSeconds: 120, timeoutSeconds: 30, failureThreshold: 2,
    });
    const tailnet = byKind(manifests, 'DaemonSet').find((d) => d.metadata.name === 'verify-tailnet')!;
    const tailnetEnv = tailnet.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
    expect(tailnetEnv).not.toContain('EXIT_NODE_IP');
  });

  test('whole-node exit routing (nodes on the tailnet): every node checks egress, clients check their exit node', () => {
    const { manifests } = tree('prod', (d) => {
      d.cluster.nodeNetwork = 'tailnet';
      d.tailscale.clients.useExitNode = true;
    });
    const env = (name: string) => Object.fromEntries(byKind(manifests, 'DaemonSet').find((d) => d.metadata.name === name)!
      .spec.template.spec.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    expect(env('verify-egress').EGRESS_NODES).toBe('*');
    expect(env('verify-tailnet')).toMatchObject({ EXIT_NODE_IP: '100.81.237.43', EXIT_NODE_NAME: 'srv712429' });
    expect(env('tailscale-client').TS_EXTRA_ARGS).toBe('--reset --exit-node=100.81.237.43 --advertise-tags=tag:k8s');
  });

  test('dev: one client DaemonSet on every node, no exit node, no routes', () => {
    const daemonSets = byKind(tree('dev').manifests, 'DaemonSet').filter((d) => d.metadata.name.startsWith('tailscale-'));
    expect(daemonSets.map((d) => d.metadata.name)).toEqual(['tailscale-client']);
    const spec = daemonSets[0].spec.template.spec;
    expect(spec.affinity).toBeUndefined();
    const names = spec.containers[0].env.map((e: { name: string }) => e.name);
    expect(names).not.toContain('TS_ROUTES');
    expect(spec.containers[0].env.find((e: { name: string }) => e.name === 'TS_EXTRA_ARGS').value).toBe('--reset --advertise-tags=tag:k8s-dev');
  });

  test('a new config namespace and secret appear in their layers and in the store conditions', () => {
    const { manifests } = tree('prod', (d) => {
      d.namespaces.push({ name: 'ml', podSecurity: 'baseline' });
      d.secrets.push({ name: 'model-registry', namespace: 'ml', data: { TOKEN: 'ml.registry.token' } });
    });
    expect(byKind(manifests, 'Namespace').find((n) => n.metadata.name === 'ml')?.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(byKind(manifests, 'ClusterSecretStore')[0].spec.conditions).toEqual([{ namespaces: ['apps', 'egress', 'ml', 'tailscale'] }]);
    expect(byKind(manifests, 'ExternalSecret').map((e) => `${e.metadata.namespace}/${e.metadata.name}`)).toContain('ml/model-registry');
  });
});
