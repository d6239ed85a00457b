import { Construct } from 'constructs';
import { Alert, AlertSpecEventSeverity, AlertSpecEventSourcesKind } from '../imports/flux-alert-notification.toolkit.fluxcd.io';
import { Provider, ProviderSpecType } from '../imports/flux-provider-notification.toolkit.fluxcd.io';
import { FLUX_SYSTEM_NAMESPACE, NOTIFICATION_PROVIDER_TYPES } from '../lib/constants';
import { assertValid, dnsLabelProblem } from '../lib/kubernetes-names';

export type AlertSeverity = 'info' | 'error';

export interface FluxAlertsProps {
  readonly namespace: string;
  /** notification-controller Provider type, e.g. `slack`, `discord`, `msteams`, `generic`. */
  readonly providerType: (typeof NOTIFICATION_PROVIDER_TYPES)[number];
  /**
   * Channel, for providers that take one.
   * @default - the provider's default
   */
  readonly channel?: string;
  /**
   * Secret in `namespace` holding `address` (webhook or API URL) and, where the provider needs it,
   * `token`: synced from ESC, never in Git.
   */
  readonly secret: string;
  /** Namespaces whose HelmReleases are watched (besides the layers, which live in flux-system). */
  readonly helmReleaseNamespaces: readonly string[];
  /**
   * `error` sends only failures; `info` also sends successful reconciliations.
   * @default 'error'
   */
  readonly severity?: AlertSeverity;
}

/**
 * Flux notification-controller alerts: a Provider that posts to the configured service, with its
 * address and token from an ESC-synced Secret, and an Alert for every layer (Kustomization) and every
 * HelmRelease. ExternalSecrets are not Flux objects and cannot be event sources; a failing one fails
 * the `configs` layer's health check (healthCheckExprs), whose event names it.
 */
export class FluxAlerts extends Construct {
  constructor(scope: Construct, id: string, props: FluxAlertsProps) {
    super(scope, id);
    assertValid('namespace', props.namespace, dnsLabelProblem);
    assertValid('alerts Secret name', props.secret, dnsLabelProblem);
    const types = Object.values(ProviderSpecType) as string[];
    if (!types.includes(props.providerType)) {
      throw new Error(`alerts: provider type ${JSON.stringify(props.providerType)} is not one notification-controller knows (${types.join(', ')})`);
    }
    props.helmReleaseNamespaces.forEach((namespace) => assertValid('namespace', namespace, dnsLabelProblem));

    new Provider(this, 'Provider', {
      metadata: { name: 'oceanid', namespace: props.namespace },
      spec: {
        type: props.providerType as ProviderSpecType,
        ...(props.channel ? { channel: props.channel } : {}),
        secretRef: { name: props.secret },
      },
    });
    new Alert(this, 'Alert', {
      metadata: { name: 'oceanid', namespace: props.namespace },
      spec: {
        providerRef: { name: 'oceanid' },
        eventSeverity: props.severity === 'info' ? AlertSpecEventSeverity.INFO : AlertSpecEventSeverity.ERROR,
        eventSources: [
          { kind: AlertSpecEventSourcesKind.KUSTOMIZATION, name: '*', namespace: FLUX_SYSTEM_NAMESPACE },
          ...[...new Set(props.helmReleaseNamespaces)].sort().map((namespace) => ({ kind: AlertSpecEventSourcesKind.HELM_RELEASE, name: '*', namespace })),
        ],
      },
    });
  }
}
