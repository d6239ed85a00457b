import { Construct } from 'constructs';
import { assertValid, dnsLabelProblem } from '../lib/kubernetes-names';
import { ChartRelease, ChartReleaseProps, HelmChartSource } from './chart-release';
import { SyncedSecret } from './external-secrets';

/** One chart value that comes from a key of a synced Secret (so from ESC), set at `targetPath`. */
export interface ValueFromSecret {
  /** The synced Secret; it must live in the app's namespace and hold `key`. */
  readonly secret: SyncedSecret;
  readonly key: string;
  /** Values path in Helm's --set syntax, e.g. `global.persistence.config.s3.bucket`. */
  readonly targetPath: string;
}

/**
 * Name, namespace (declare it with its Pod Security level), chart source, values, interval and
 * retries as for any ChartRelease; the Secrets are synced ones.
 */
export interface HelmAppProps extends Pick<ChartReleaseProps, 'name' | 'namespace' | 'source' | 'values' | 'interval' | 'retries'> {
  /**
   * Values read at reconcile time from synced Secrets (`valuesFrom` with `targetPath`): settings that
   * live in ESC. Each Secret must carry the `reconcile.fluxcd.io/watch: Enabled` label for a change
   * to upgrade the release at once; declare it so (cluster.ts does for config apps).
   * @default - none
   */
  readonly valuesFrom?: readonly ValueFromSecret[];

  /**
   * Synced Secrets the chart's pods read by name (configured in `values`). Listed so the app and its
   * Secrets are declared together: each must be in the app's namespace. The gate then checks that
   * the rendered pods read only keys those Secrets hold.
   * @default - none
   */
  readonly secrets?: readonly SyncedSecret[];
}

/**
 * An application installed by Flux from a Helm chart: a HelmRepository and a HelmRelease that pins
 * the exact chart version, remediates failed releases, corrects drift, and reads ESC-held settings
 * through `valuesFrom`. synth renders the release offline and gates every object it renders.
 */
export class HelmApp extends Construct {
  readonly name: string;
  readonly namespace: string;
  readonly source: HelmChartSource;

  constructor(scope: Construct, id: string, props: HelmAppProps) {
    super(scope, id);
    assertValid('app name', props.name, dnsLabelProblem);
    assertValid(`app ${props.name}: namespace`, props.namespace, dnsLabelProblem);
    this.name = props.name;
    this.namespace = props.namespace;
    this.source = props.source;
    for (const secret of [...(props.secrets ?? []), ...(props.valuesFrom ?? []).map((entry) => entry.secret)]) {
      if (secret.namespace !== this.namespace) {
        throw new Error(`app ${props.name}: Secret ${secret.namespace}/${secret.name} is in another namespace than the app (${this.namespace}); pods read Secrets of their own namespace only`);
      }
    }
    for (const entry of props.valuesFrom ?? []) {
      if (!entry.secret.keys.includes(entry.key)) {
        throw new Error(`app ${props.name}: valuesFrom reads key ${entry.key} of Secret ${entry.secret.name}, which holds only ${entry.secret.keys.join(', ')}`);
      }
    }
    new ChartRelease(this, 'Chart', {
      name: this.name, namespace: this.namespace, source: props.source, values: props.values, interval: props.interval, retries: props.retries,
      valuesFrom: props.valuesFrom?.map((entry) => ({ secretName: entry.secret.name, key: entry.key, targetPath: entry.targetPath })),
      errorPrefix: `app ${props.name}: `,
    });
  }
}
