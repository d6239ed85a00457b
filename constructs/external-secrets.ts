import { Construct } from 'constructs';
import {
  ClusterSecretStore,
} from '../imports/eso-clustersecretstore-external-secrets.io';
import {
  ExternalSecret, ExternalSecretSpecSecretStoreRefKind, ExternalSecretSpecTargetCreationPolicy, ExternalSecretSpecTargetDeletionPolicy,
} from '../imports/eso-externalsecret-external-secrets.io';
import { EXTERNAL_SECRETS_CHART, PULUMI_ESC_STORE_NAME, PULUMI_TOKEN_SECRET } from '../lib/constants';
import { escNameProblem, escPathProblem } from '../lib/esc';
import { chartVersionProblem } from '../lib/helm';
import { assertValid, dnsLabelProblem, dnsSubdomainProblem, secretKeyProblem } from '../lib/kubernetes-names';
import { assertDuration } from '../lib/durations';
import { ChartRelease } from './chart-release';


/** Requests and limits of one container, in Kubernetes quantity syntax. */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly memory: string };
}

export interface ExternalSecretsOperatorProps {
  /** Namespace the HelmRepository, the HelmRelease and the operator's pods live in. */
  readonly namespace: string;

  /**
   * Exact version of the `external-secrets` chart.
   * @default EXTERNAL_SECRETS_CHART.version
   */
  readonly chartVersion?: string;

  /**
   * How often Flux re-checks the chart repository and reconciles the release.
   * @default '1h'
   */
  readonly interval?: string;

  /**
   * How many times a failed install or upgrade is retried (then rolled back) before Flux gives up.
   * @default 3
   */
  readonly retries?: number;

  /**
   * Resources for each of the operator's three containers (controller, webhook, cert-controller).
   * The chart sets none, which leaves them best-effort and first to be evicted.
   * @default - 10m CPU and 64Mi memory requested, 256Mi memory limit
   */
  readonly resources?: ContainerResources;
}

const DEFAULT_OPERATOR_RESOURCES: ContainerResources = { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } };

/**
 * External Secrets Operator, installed by Flux from its Helm chart: a HelmRepository and a
 * HelmRelease that installs and upgrades the CRDs with the chart and remediates failed releases.
 */
export class ExternalSecretsOperator extends Construct {
  readonly namespace: string;
  readonly releaseName = EXTERNAL_SECRETS_CHART.name;
  readonly chartVersion: string;

  constructor(scope: Construct, id: string, props: ExternalSecretsOperatorProps) {
    super(scope, id);
    assertValid('namespace', props.namespace, dnsLabelProblem);
    this.namespace = props.namespace;
    this.chartVersion = props.chartVersion ?? EXTERNAL_SECRETS_CHART.version;
    const versionProblem = chartVersionProblem(this.chartVersion);
    if (versionProblem) throw new Error(`chartVersion ${versionProblem}`);
    const resources = props.resources ?? DEFAULT_OPERATOR_RESOURCES;
    new ChartRelease(this, 'Chart', {
      name: this.releaseName,
      namespace: this.namespace,
      source: { repository: EXTERNAL_SECRETS_CHART.repository, chart: EXTERNAL_SECRETS_CHART.name, version: this.chartVersion },
      // The chart's CRDs change with it: replace them on upgrade, never delete them.
      crds: 'CreateReplace',
      interval: props.interval,
      retries: props.retries,
      values: {
        installCRDs: true,
        // The chart renders its CRDs as templates, so `helm uninstall` would delete them and with
        // them every ExternalSecret in the cluster. Helm keeps resources carrying this policy.
        crds: { annotations: { 'helm.sh/resource-policy': 'keep' } },
        resources,
        webhook: { resources },
        certController: { resources },
      },
    });
  }
}

/** How the store finds the Pulumi access token ESO authenticates to Pulumi Cloud with. */
export interface AccessTokenSecretRef {
  readonly name: string;
  readonly key: string;
  readonly namespace: string;
}

export interface PulumiEscStoreProps {
  /**
   * Name of the ClusterSecretStore.
   * @default PULUMI_ESC_STORE_NAME ('pulumi-esc')
   */
  readonly name?: string;

  /** Pulumi organization, e.g. `goldfish-inc`. */
  readonly organization: string;
  /** ESC project, e.g. `oceanid-cluster`. */
  readonly project: string;
  /** ESC environment, e.g. `prod`: one store reads exactly one environment. */
  readonly environment: string;

  /**
   * The bootstrap Secret that holds the Pulumi access token. It is created once by hand (see the
   * README) and never committed.
   * @default PULUMI_TOKEN_SECRET
   */
  readonly accessToken?: AccessTokenSecretRef;

  /** Namespaces whose ExternalSecrets may use this store; all others are refused by ESO. */
  readonly namespaces: readonly string[];
}

/**
 * A ClusterSecretStore that reads one Pulumi ESC environment, restricted to the namespaces that
 * declare secrets.
 */
export class PulumiEscStore extends Construct {
  readonly name: string;
  readonly kind = ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE;
  /** The namespaces admitted by the store's conditions, sorted. */
  readonly namespaces: readonly string[];

  constructor(scope: Construct, id: string, props: PulumiEscStoreProps) {
    super(scope, id);
    this.name = props.name ?? PULUMI_ESC_STORE_NAME;
    assertValid('store name', this.name, dnsSubdomainProblem);
    for (const [field, value] of [['organization', props.organization], ['project', props.project], ['environment', props.environment]] as const) {
      const problem = escNameProblem(value);
      if (problem) throw new Error(`store ${this.name}: ${field} ${JSON.stringify(value)} ${problem}`);
    }
    if (props.namespaces.length === 0) {
      throw new Error(`store ${this.name}: list at least one namespace; a ClusterSecretStore without conditions serves every namespace`);
    }
    props.namespaces.forEach((namespace) => assertValid('namespace', namespace, dnsLabelProblem));
    this.namespaces = [...new Set(props.namespaces)].sort();
    const accessToken = props.accessToken ?? PULUMI_TOKEN_SECRET;

    new ClusterSecretStore(this, 'Resource', {
      metadata: { name: this.name },
      spec: {
        conditions: [{ namespaces: [...this.namespaces] }],
        provider: {
          pulumi: {
            organization: props.organization,
            project: props.project,
            environment: props.environment,
            // A cluster store must say which namespace the token Secret is in.
            auth: { accessToken: { secretRef: { name: accessToken.name, key: accessToken.key, namespace: accessToken.namespace } } },
          },
        },
      },
    });
  }

  /** Whether ExternalSecrets in `namespace` may use this store. */
  admits(namespace: string): boolean {
    return this.namespaces.includes(namespace);
  }
}

export interface SyncedSecretProps {
  /** Name of the Secret ESO creates (and of the ExternalSecret). */
  readonly name: string;
  readonly namespace: string;
  /** The store that reads ESC; it must admit `namespace`. */
  readonly store: PulumiEscStore;
  /** Secret key → ESC property path, e.g. `AWS_ACCESS_KEY_ID: aws.labelStudio.accessKeyId`. */
  readonly data: Readonly<Record<string, string>>;

  /**
   * How often ESO re-reads ESC. Each key costs two ESC API calls per refresh.
   * @default '1h'
   */
  readonly refreshInterval?: string;

  /**
   * Labels on the Secret ESO writes, e.g. `reconcile.fluxcd.io/watch: Enabled` on a Secret a
   * HelmRelease reads through `valuesFrom`. Set through the ExternalSecret's target template, which
   * sets metadata only: the Secret keeps the fetched keys as they are.
   * @default - none
   */
  readonly secretLabels?: Readonly<Record<string, string>>;
}

/**
 * An ExternalSecret that keeps one Kubernetes Secret in sync with values from Pulumi ESC.
 *
 * `creationPolicy: Owner`: ESO sets itself as the Secret's controller owner (external-secrets v2.9.0
 * pkg/controllers/externalsecret/externalsecret_controller.go:816-817), so deleting or pruning the
 * ExternalSecret deletes the Secret too, by Kubernetes garbage collection. What keeps the last
 * synced values is a failing sync: losing access to ESC marks the ExternalSecret Ready=False and
 * leaves the Secret as it was, and `deletionPolicy: Retain` keeps it when the value disappears from
 * ESC. Workloads that must start without the Secret (the Tailscale DaemonSets) read it as optional.
 */
export class SyncedSecret extends Construct {
  readonly name: string;
  readonly namespace: string;
  readonly keys: readonly string[];

  constructor(scope: Construct, id: string, props: SyncedSecretProps) {
    super(scope, id);
    assertValid('secret name', props.name, dnsSubdomainProblem);
    assertValid('namespace', props.namespace, dnsLabelProblem);
    this.name = props.name;
    this.namespace = props.namespace;
    if (!props.store.admits(props.namespace)) {
      throw new Error(`secret ${props.namespace}/${props.name}: store ${props.store.name} does not admit namespace ${props.namespace} (it admits ${props.store.namespaces.join(', ')})`);
    }
    const entries = Object.entries(props.data).sort(([a], [b]) => a.localeCompare(b));
    if (entries.length === 0) throw new Error(`secret ${props.namespace}/${props.name}: data must map at least one key to an ESC path`);
    for (const [key, path] of entries) {
      assertValid(`secret ${props.namespace}/${props.name}: key`, key, secretKeyProblem);
      const problem = escPathProblem(path);
      if (problem) throw new Error(`secret ${props.namespace}/${props.name}: key ${key}: ESC path ${JSON.stringify(path)} ${problem}`);
    }
    this.keys = entries.map(([key]) => key);
    const refreshInterval = props.refreshInterval ?? '1h';
    assertDuration('refreshInterval', refreshInterval);

    new ExternalSecret(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        refreshInterval,
        secretStoreRef: { kind: props.store.kind, name: props.store.name },
        target: {
          name: this.name,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
          ...(props.secretLabels && Object.keys(props.secretLabels).length > 0 ? { template: { metadata: { labels: { ...props.secretLabels } } } } : {}),
        },
        data: entries.map(([secretKey, key]) => ({ secretKey, remoteRef: { key } })),
      },
    });
  }
}
