/**
 * The Kubernetes schema follows the cluster's version: each bundled version validates with its own
 * definitions, and a version without a bundled schema is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KUBERNETES_SCHEMA_VERSIONS, kubernetesDefinitionsFile, NEWEST_KUBERNETES_SCHEMA_VERSION } from '../../../lib/kubernetes-versions';
import { REPO_ROOT } from '../../../lib/paths';
import { runGate } from '../../../policy';
import { checkSchemas } from '../../../policy/schema';
import { Universe } from '../../../policy/universe';
import { objects, schemas } from '../../helpers';

const UNKNOWN = 'unknown field: the API server would drop it (check the spelling and the API version)';

const pod = (spec: Record<string, unknown>) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps' },
  spec: { containers: [{ name: 'app', image: 'app:1.0' }], ...spec },
});
const appArmorPod = pod({ securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } });
const imageVolumePod = pod({ volumes: [{ name: 'model', image: { reference: 'quay.io/models/llm:v1', pullPolicy: 'IfNotPresent' } }] });

const schemaMessages = (version: string, manifest: Record<string, unknown>) =>
  checkSchemas(new Universe(objects([manifest])), schemas().at(version)).map((finding) => `${finding.path}: ${finding.message}`);

/** Whether the vendored definitions of `version` have `property` on `definition`. */
function vendoredHas(version: (typeof KUBERNETES_SCHEMA_VERSIONS)[number], definition: string, property: string): boolean {
  const file = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, kubernetesDefinitionsFile(version)), 'utf8'));
  return property in (file.definitions[definition]?.properties ?? {});
}

describe('schema per Kubernetes version', () => {
  test('the bundled versions are 1.28 and 1.33 to 1.36, each vendored', () => {
    expect(KUBERNETES_SCHEMA_VERSIONS).toEqual(['1.28', '1.33', '1.34', '1.35', '1.36']);
    expect(NEWEST_KUBERNETES_SCHEMA_VERSION).toBe('1.36');
  });

  test('appArmorProfile (GA in 1.30) passes at 1.33 and is an unknown field at 1.28', () => {
    expect(vendoredHas('1.28', 'io.k8s.api.core.v1.PodSecurityContext', 'appArmorProfile')).toBe(false);
    expect(vendoredHas('1.33', 'io.k8s.api.core.v1.PodSecurityContext', 'appArmorProfile')).toBe(true);
    expect(schemaMessages('1.33', appArmorPod)).toEqual([]);
    expect(schemaMessages('1.28', appArmorPod)).toEqual([`spec.securityContext.appArmorProfile: ${UNKNOWN}`]);
  });

  test('image volumes are in the vendored schema from 1.33 on, and validate exactly where they are', () => {
    const withImage = KUBERNETES_SCHEMA_VERSIONS.filter((version) => vendoredHas(version, 'io.k8s.api.core.v1.Volume', 'image'));
    expect(withImage).toEqual(['1.33', '1.34', '1.35', '1.36']);
    for (const version of KUBERNETES_SCHEMA_VERSIONS) {
      expect(schemaMessages(version, imageVolumePod)).toEqual(withImage.includes(version) ? [] : [`spec.volumes[0].image: ${UNKNOWN}`]);
    }
  });

  test('a kind added after a version is unknown at that version', () => {
    const serviceCidr = { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'extra' }, spec: { cidrs: ['10.96.0.0/16'] } };
    expect(schemaMessages('1.33', serviceCidr)).toEqual([]);
    expect(schemaMessages('1.28', serviceCidr)).toEqual([
      'kind: no schema for ServiceCIDR in networking.k8s.io at Kubernetes 1.28: the API server would answer "no matches for kind "ServiceCIDR" in version "networking.k8s.io/v1""',
    ]);
  });

  test('the gate validates at the cluster\'s minor, and at the newest bundled version when none is given', () => {
    // PodSpec.schedulingGroup is new in the 1.36 schema (1.35 has workloadRef in its place).
    const groupedPod = pod({ schedulingGroup: { podGroupName: 'training' } });
    expect(vendoredHas('1.36', 'io.k8s.api.core.v1.PodSpec', 'schedulingGroup')).toBe(true);
    expect(vendoredHas('1.35', 'io.k8s.api.core.v1.PodSpec', 'schedulingGroup')).toBe(false);
    const paths = (manifest: Record<string, unknown>, kubernetesMinor?: number) => runGate(objects([manifest]), { schemas: schemas(), kubernetesMinor })
      .findings.filter((finding) => finding.rule === 'schema-unknown-field').map((finding) => finding.path);
    expect(paths(appArmorPod, 33)).toEqual([]);
    expect(paths(appArmorPod, 28)).toEqual(['spec.securityContext.appArmorProfile']);
    expect(paths(groupedPod, 35)).toEqual(['spec.schedulingGroup']);
    expect(paths(groupedPod, undefined)).toEqual([]);
  });

  test('a version without a bundled schema is refused with the list of those bundled', () => {
    expect(() => schemas().at('1.30')).toThrow('no bundled Kubernetes 1.30 schema (bundled: 1.28, 1.33, 1.34, 1.35, 1.36)');
  });
});
