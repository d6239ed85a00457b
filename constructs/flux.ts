import { Construct } from 'constructs';
import { Kustomization, KustomizationSpecSourceRefKind } from '../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import { FLUX_BOOTSTRAP_SOURCE, FLUX_SYSTEM_NAMESPACE } from '../lib/constants';
import { assertDuration } from '../lib/durations';
import { HealthCheckExpression } from '../lib/health-checks';
import { assertValid, dnsSubdomainProblem } from '../lib/kubernetes-names';

export interface FluxLayerProps {
  /** Kustomization name, e.g. `controllers`. */
  readonly name: string;
  /** The layer's folder in the Git source, relative to its root: `./flux/infrastructure/prod/controllers`. */
  readonly path: string;
  /**
   * Layers that must be Ready before this one is applied.
   * @default - none
   */
  readonly dependsOn?: readonly FluxLayer[];
  /**
   * Wait for every applied object to become healthy before reporting Ready. Set it where a later
   * layer needs this one's objects working (CRDs served, webhooks answering, Secrets synced):
   * `dependsOn` only waits for Ready, and without `wait` Ready means merely "applied".
   * @default true
   */
  readonly wait?: boolean;
  /**
   * Delete objects that disappear from the layer. Objects annotated
   * `kustomize.toolkit.fluxcd.io/prune: disabled` (our Namespaces) are kept anyway.
   * @default true
   */
  readonly prune?: boolean;
  /** How often Flux re-applies the layer and corrects drift, e.g. `10m`. */
  readonly interval: string;
  /** How soon a failed apply is retried, e.g. `1m`: a first-boot webhook race should not cost an interval. */
  readonly retryInterval: string;
  /** How long an apply (and its health checks) may take, e.g. `5m`. */
  readonly timeout: string;
  /**
   * CEL health checks for custom resources whose status kstatus cannot judge (evaluated with `wait`).
   * @default - none
   */
  readonly healthCheckExprs?: readonly HealthCheckExpression[];
  /**
   * The GitRepository the layer is read from.
   * @default - the `flux-system` GitRepository that `flux bootstrap` creates
   */
  readonly sourceName?: string;
}

/**
 * One Flux layer: a Kustomization in `flux-system` that applies one folder of the tree, in order
 * after the layers it depends on.
 */
export class FluxLayer extends Construct {
  readonly name: string;
  readonly path: string;
  readonly wait: boolean;
  readonly prune: boolean;
  readonly dependsOn: readonly FluxLayer[];

  constructor(scope: Construct, id: string, props: FluxLayerProps) {
    super(scope, id);
    assertValid('layer name', props.name, dnsSubdomainProblem);
    if (!/^\.\/[^\s]*[^/\s]$/.test(props.path) || props.path.split('/').includes('..')) {
      throw new Error(`layer ${props.name}: path ${JSON.stringify(props.path)} must start with ./, stay inside the repository and not end with /`);
    }
    assertDuration(`layer ${props.name}: interval`, props.interval);
    assertDuration(`layer ${props.name}: retryInterval`, props.retryInterval);
    assertDuration(`layer ${props.name}: timeout`, props.timeout);
    this.name = props.name;
    this.path = props.path;
    this.wait = props.wait ?? true;
    this.prune = props.prune ?? true;
    this.dependsOn = props.dependsOn ?? [];
    if (props.healthCheckExprs && props.healthCheckExprs.length > 0 && !this.wait) {
      throw new Error(`layer ${props.name}: healthCheckExprs are evaluated only with wait: true (or healthChecks)`);
    }
    for (const dependency of this.dependsOn) {
      if (dependency.name === this.name) throw new Error(`layer ${this.name} cannot depend on itself`);
    }

    new Kustomization(this, 'Resource', {
      metadata: { name: this.name, namespace: FLUX_SYSTEM_NAMESPACE },
      spec: {
        ...(this.dependsOn.length > 0 ? { dependsOn: this.dependsOn.map((dependency) => ({ name: dependency.name })) } : {}),
        interval: props.interval,
        retryInterval: props.retryInterval,
        timeout: props.timeout,
        path: this.path,
        prune: this.prune,
        wait: this.wait,
        ...(props.healthCheckExprs && props.healthCheckExprs.length > 0 ? { healthCheckExprs: props.healthCheckExprs.map((check) => ({ ...check })) } : {}),
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: props.sourceName ?? FLUX_BOOTSTRAP_SOURCE },
      },
    });
  }
}
