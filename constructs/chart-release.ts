import { Construct } from 'constructs';
import {
  HelmRelease, HelmReleaseSpecChartSpecSourceRefKind, HelmReleaseSpecDriftDetectionMode, HelmReleaseSpecInstallCrds,
  HelmReleaseSpecUpgradeCrds, HelmReleaseSpecUpgradeRemediationStrategy, HelmReleaseSpecValuesFromKind,
} from '../imports/flux-helmrelease-helm.toolkit.fluxcd.io';
import { HelmRepository, HelmRepositorySpecType } from '../imports/flux-helmrepository-source.toolkit.fluxcd.io';
import { assertDuration } from '../lib/durations';
import { chartVersionProblem, parseSetPath } from '../lib/helm';
import { assertValid, dnsLabelProblem, secretKeyProblem } from '../lib/kubernetes-names';

/** A chart in a Helm repository (https) or an OCI registry (`oci://`). */
export interface HelmChartSource {
  /** Repository URL, e.g. `https://charts.heartex.com/` or `oci://ghcr.io/org/charts`. */
  readonly repository: string;
  /** Chart name in the repository, e.g. `label-studio`. */
  readonly chart: string;
  /** Exact chart version, e.g. `2.0.5`: a range is refused. */
  readonly version: string;
}

/** One chart value read at reconcile time from a key of a Secret in the release's namespace. */
export interface ChartValueFromSecret {
  readonly secretName: string;
  readonly key: string;
  /** Values path in Helm's --set syntax, e.g. `global.persistence.config.s3.bucket`. */
  readonly targetPath: string;
}

/** What helm-controller does with CRDs the chart ships, on install and on upgrade. */
export type ChartCrdPolicy = 'Create' | 'CreateReplace';

export interface ChartReleaseProps {
  /** Name of the HelmRepository and HelmRelease, and the Helm release name. */
  readonly name: string;
  /** Namespace of both objects, and of what the release installs. */
  readonly namespace: string;
  readonly source: HelmChartSource;
  /**
   * Chart values, as `spec.values`.
   * @default - the chart's defaults
   */
  readonly values?: Readonly<Record<string, unknown>>;
  /**
   * Values read from Secrets at reconcile time (`valuesFrom` with `targetPath`, taken literally).
   * @default - none
   */
  readonly valuesFrom?: readonly ChartValueFromSecret[];
  /**
   * CRD policy on install and upgrade. `CreateReplace` also updates CRDs the chart changes.
   * @default 'Create'
   */
  readonly crds?: ChartCrdPolicy;
  /**
   * How often Flux re-checks the repository and reconciles the release.
   * @default '1h'
   */
  readonly interval?: string;
  /**
   * How many times a failed install or upgrade is retried (then rolled back) before Flux gives up.
   * @default 3
   */
  readonly retries?: number;
  /**
   * Prefix of every error message, naming what the release is for, e.g. `app web: `.
   * @default - no prefix
   */
  readonly errorPrefix?: string;
}

/**
 * A chart installed by Flux: a HelmRepository and a HelmRelease that pins the exact chart version,
 * remediates failed releases (retries, then a rollback), and corrects drift. The one place both the
 * platform's own charts (External Secrets Operator) and config apps get their release settings.
 */
export class ChartRelease extends Construct {
  constructor(scope: Construct, id: string, props: ChartReleaseProps) {
    super(scope, id);
    const prefix = props.errorPrefix ?? '';
    assertValid(`${prefix}release name`, props.name, dnsLabelProblem);
    assertValid(`${prefix}namespace`, props.namespace, dnsLabelProblem);
    const versionProblem = chartVersionProblem(props.source.version);
    if (versionProblem) throw new Error(`${prefix}chart version ${versionProblem}`);
    if (!/^(https?|oci):\/\/[^\s/]+/.test(props.source.repository)) {
      throw new Error(`${prefix}repository ${JSON.stringify(props.source.repository)} must be an https:// (or oci://) URL`);
    }
    assertValid(`${prefix}chart`, props.source.chart, dnsLabelProblem);
    const interval = props.interval ?? '1h';
    assertDuration(`${prefix}interval`, interval);
    const retries = props.retries ?? 3;
    if (!Number.isInteger(retries) || retries < 1) throw new Error(`${prefix}retries must be a positive integer, got ${retries}`);
    for (const entry of props.valuesFrom ?? []) {
      assertValid(`${prefix}valuesFrom Secret name`, entry.secretName, dnsLabelProblem);
      assertValid(`${prefix}valuesFrom key`, entry.key, secretKeyProblem);
      parseSetPath(entry.targetPath);
    }
    const crds = props.crds === 'CreateReplace'
      ? { install: HelmReleaseSpecInstallCrds.CREATE_REPLACE, upgrade: HelmReleaseSpecUpgradeCrds.CREATE_REPLACE }
      : { install: HelmReleaseSpecInstallCrds.CREATE, upgrade: HelmReleaseSpecUpgradeCrds.CREATE };
    const oci = props.source.repository.startsWith('oci://');

    new HelmRepository(this, 'Repository', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: { url: props.source.repository, interval, ...(oci ? { type: HelmRepositorySpecType.OCI } : {}) },
    });

    new HelmRelease(this, 'Release', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        releaseName: props.name,
        interval,
        chart: {
          spec: {
            chart: props.source.chart,
            version: props.source.version,
            sourceRef: { kind: HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY, name: props.name, namespace: props.namespace },
            interval,
          },
        },
        install: { crds: crds.install, remediation: { retries } },
        upgrade: {
          crds: crds.upgrade,
          cleanupOnFail: true,
          remediation: { retries, remediateLastFailure: true, strategy: HelmReleaseSpecUpgradeRemediationStrategy.ROLLBACK },
        },
        driftDetection: { mode: HelmReleaseSpecDriftDetectionMode.ENABLED },
        ...(props.valuesFrom && props.valuesFrom.length > 0 ? {
          valuesFrom: props.valuesFrom.map((entry) => ({
            kind: HelmReleaseSpecValuesFromKind.SECRET, name: entry.secretName, valuesKey: entry.key, targetPath: entry.targetPath,
            // Verbatim: a database name of digits stays a string, a comma stays a comma (helm --set-literal).
            literal: true,
          })),
        } : {}),
        ...(props.values && Object.keys(props.values).length > 0 ? { values: props.values } : {}),
      },
    });
  }
}
