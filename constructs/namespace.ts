import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  FLUX_PRUNE_ANNOTATION, FLUX_PRUNE_DISABLED, POD_SECURITY_MODES, PodSecurityLevel, PRIVILEGED_REASON_ANNOTATION,
  podSecurityLabel, podSecurityVersionLabel,
} from '../lib/constants';
import { assertValid, dnsLabelProblem } from '../lib/kubernetes-names';

/** A Pod Security policy version as the `*-version` labels take it, pinned: `v1.<minor>`. */
const PINNED_POLICY_VERSION = /^v1\.(0|[1-9][0-9]*)$/;

export interface PodSecurityNamespaceProps {
  /** Namespace name (a DNS label). */
  readonly name: string;

  /**
   * Pod Security level enforced, audited and warned about.
   * @default 'restricted'
   */
  readonly level?: PodSecurityLevel;

  /**
   * Pod Security policy version pinned on all three modes, e.g. `v1.33`. `latest` is refused: it
   * changes meaning when the cluster is upgraded.
   */
  readonly policyVersion: string;

  /**
   * Why pods in this namespace may run privileged, kept as an annotation for reviewers. Required
   * when `level` is `privileged`, refused otherwise.
   * @default - none
   */
  readonly privilegedReason?: string;

  /**
   * Extra labels.
   * @default - the Pod Security labels only
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A Namespace that states its Pod Security level explicitly (enforce, audit and warn, each with a
 * pinned version) and that Flux never deletes, even when it disappears from Git: deleting a
 * Namespace deletes everything in it.
 */
export class PodSecurityNamespace extends Construct {
  readonly name: string;
  readonly level: PodSecurityLevel;
  readonly policyVersion: string;

  constructor(scope: Construct, id: string, props: PodSecurityNamespaceProps) {
    super(scope, id);
    assertValid('namespace name', props.name, dnsLabelProblem);
    this.name = props.name;
    this.level = props.level ?? 'restricted';
    this.policyVersion = props.policyVersion;

    if (!PINNED_POLICY_VERSION.test(props.policyVersion)) {
      throw new Error(`namespace ${props.name}: policyVersion ${JSON.stringify(props.policyVersion)} must be a pinned version such as "v1.33"`);
    }
    if (this.level === 'privileged' && !props.privilegedReason?.trim()) {
      throw new Error(`namespace ${props.name}: a privileged namespace needs a privilegedReason saying why its pods may run privileged`);
    }
    if (this.level !== 'privileged' && props.privilegedReason !== undefined) {
      throw new Error(`namespace ${props.name}: privilegedReason is only for privileged namespaces (this one is ${this.level})`);
    }

    const podSecurityLabels: Record<string, string> = {};
    for (const mode of POD_SECURITY_MODES) {
      podSecurityLabels[podSecurityLabel(mode)] = this.level;
      podSecurityLabels[podSecurityVersionLabel(mode)] = this.policyVersion;
    }

    new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: { ...props.labels, ...podSecurityLabels },
        annotations: {
          [FLUX_PRUNE_ANNOTATION]: FLUX_PRUNE_DISABLED,
          ...(props.privilegedReason ? { [PRIVILEGED_REASON_ANNOTATION]: props.privilegedReason.trim() } : {}),
        },
      },
    });
  }
}
