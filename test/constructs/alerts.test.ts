import { Testing } from 'cdk8s';
import { FluxAlerts, FluxAlertsProps } from '../../constructs';
import { ProviderSpecType } from '../../imports/flux-provider-notification.toolkit.fluxcd.io';
import { NOTIFICATION_PROVIDER_TYPES } from '../../lib/constants';

const base: FluxAlertsProps = { namespace: 'alerts', providerType: 'slack', secret: 'flux-alerts', helmReleaseNamespaces: ['external-secrets-system', 'apps'] };

function synth(props: Partial<FluxAlertsProps> = {}) {
  const chart = Testing.chart();
  new FluxAlerts(chart, 'alerts', { ...base, ...props });
  const [provider, alert] = Testing.synth(chart);
  return { provider, alert };
}

describe('FluxAlerts', () => {
  test('a Provider reading address and token from the ESC-synced Secret', () => {
    const { provider } = synth({ channel: '#oceanid' });
    expect(provider.apiVersion).toBe('notification.toolkit.fluxcd.io/v1beta3');
    expect(provider.metadata).toMatchObject({ name: 'oceanid', namespace: 'alerts' });
    expect(provider.spec).toEqual({ type: 'slack', channel: '#oceanid', secretRef: { name: 'flux-alerts' } });
  });

  test('an Alert on errors of every layer and every HelmRelease', () => {
    const { alert } = synth();
    expect(alert.spec).toEqual({
      providerRef: { name: 'oceanid' },
      eventSeverity: 'error',
      eventSources: [
        { kind: 'Kustomization', name: '*', namespace: 'flux-system' },
        { kind: 'HelmRelease', name: '*', namespace: 'apps' },
        { kind: 'HelmRelease', name: '*', namespace: 'external-secrets-system' },
      ],
    });
    expect(synth({ severity: 'info' }).alert.spec.eventSeverity).toBe('info');
  });

  test('the provider types config accepts are exactly the CRD\'s', () => {
    expect([...NOTIFICATION_PROVIDER_TYPES].sort()).toEqual((Object.values(ProviderSpecType) as string[]).sort());
  });

  test('refuses an unknown provider type', () => {
    expect(() => synth({ providerType: 'email' as never })).toThrow('alerts: provider type "email" is not one notification-controller knows');
  });
});
