import { checkExternalSecretsWebhook } from '../../policy/external-secrets-webhook';
import { Universe } from '../../policy/universe';
import { objects } from '../helpers';

const externalSecret = (spec: Record<string, unknown>, apiVersion = 'external-secrets.io/v1') => ({
  apiVersion, kind: 'ExternalSecret', metadata: { name: 'creds', namespace: 'apps' },
  spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'pulumi-esc' }, target: { name: 'creds' }, ...spec },
});
const check = (manifest: Record<string, unknown>) => checkExternalSecretsWebhook(new Universe(objects([manifest])));

describe('ESO\'s admission webhook', () => {
  test('refuses an ExternalSecret with neither data nor dataFrom (also when both are empty lists)', () => {
    for (const spec of [{}, { data: [], dataFrom: [] }]) {
      expect(check(externalSecret(spec))).toEqual([{
        rule: 'external-secret-data',
        object: { kind: 'ExternalSecret', namespace: 'apps', name: 'creds' },
        source: { file: 'test.yaml', line: undefined },
        path: 'spec',
        message: 'ESO\'s admission webhook would refuse it: "either data or dataFrom should be specified" (external-secrets v2.9.0 apis/externalsecrets/v1/externalsecret_validator.go:60)',
        fix: 'list the keys to sync under spec.data, or a whole ESC object under spec.dataFrom',
      }]);
    }
  });

  test('admits data or dataFrom', () => {
    expect(check(externalSecret({ data: [{ secretKey: 'A', remoteRef: { key: 'a.b' } }] }))).toEqual([]);
    expect(check(externalSecret({ dataFrom: [{ extract: { key: 'app' } }] }))).toEqual([]);
  });

  test('leaves other API versions to the schema check (v1beta1 is not served)', () => {
    expect(check(externalSecret({}, 'external-secrets.io/v1beta1'))).toEqual([]);
  });
});
