/**
 * Gate check (admission): what ESO's validating webhook refuses that no schema rule states. The
 * external-secrets chart 2.9.0 (`webhook.create: true` and `failurePolicy: Fail` by default,
 * values.yaml:495,510) registers `validate.externalsecret.external-secrets.io` for CREATE and UPDATE
 * of external-secrets.io/v1 ExternalSecrets (templates/validatingwebhook.yaml:53-85); its handler is
 * external-secrets/external-secrets v2.9.0 apis/externalsecrets/v1/externalsecret_validator.go.
 *
 * Implemented: the refusal of an ExternalSecret with neither `data` nor `dataFrom` (:60-62,
 * "either data or dataFrom should be specified"). The CRD itself carries no rule for it, so the
 * schema and CEL checks cannot see it.
 */
import { Rule } from './rule';
import { Finding } from './types';
import { asArray, asRecord, findingAt, Universe } from './universe';

export const EXTERNAL_SECRET_DATA_RULE = 'external-secret-data';

export function checkExternalSecretsWebhook(universe: Universe): Finding[] {
  const findings: Finding[] = [];
  for (const object of universe.ofKind('external-secrets.io', 'ExternalSecret')) {
    if (object.manifest.apiVersion !== 'external-secrets.io/v1') continue;
    const spec = asRecord(object.manifest.spec) ?? {};
    if (asArray(spec.data).length === 0 && asArray(spec.dataFrom).length === 0) {
      findings.push(findingAt(EXTERNAL_SECRET_DATA_RULE, object, ['spec'],
        'ESO\'s admission webhook would refuse it: "either data or dataFrom should be specified" (external-secrets v2.9.0 apis/externalsecrets/v1/externalsecret_validator.go:60)',
        'list the keys to sync under spec.data, or a whole ESC object under spec.dataFrom'));
    }
  }
  return findings;
}

export const externalSecretData: Rule = {
  id: EXTERNAL_SECRET_DATA_RULE,
  group: 'admission',
  description: 'An ExternalSecret lists data or dataFrom; ESO\'s validating webhook (installed by its chart) refuses one with neither.',
  check: ({ universe }) => checkExternalSecretsWebhook(universe),
};
