/**
 * The tailnet policy fragment one cluster needs, rendered from its config. Tailscale enforces it,
 * not Kubernetes, so it is written outside flux/ (tailnet/<cluster>.json, which `.sourceignore`
 * keeps out of Flux's artifact) and applied in the admin console or by Tailscale's policy GitOps.
 *
 * - `tagOwners`: every tag a node advertises needs an owner, or the node's login fails with
 *   "requested tags [...] are invalid or not permitted".
 * - `autoApprovers`: the exit node's advertised routes and its exit-node offer are approved for
 *   the exit node's tags; without approval clients that set it as exit node lose all internet
 *   traffic (tailscaled routes 0.0.0.0/0 and ::/0 into tailscale0 whether or not a peer serves them,
 *   ipn/ipnlocal/local.go:6546-6564 at v1.102.3).
 *
 * Plain JSON, which is valid HuJSON: paste its keys into the tailnet policy file.
 */
import { ClusterConfig } from '../config/schema';

export interface TailnetPolicyFragment {
  readonly tagOwners: Readonly<Record<string, readonly string[]>>;
  readonly autoApprovers?: {
    readonly routes?: Readonly<Record<string, readonly string[]>>;
    readonly exitNode?: readonly string[];
  };
}

export function tailnetPolicyFragment(config: ClusterConfig): TailnetPolicyFragment {
  const { tailscale } = config;
  const tagOwners = Object.fromEntries(Object.entries(tailscale.tagOwners).sort(([a], [b]) => a.localeCompare(b)).map(([tag, owners]) => [tag, [...owners]]));
  const exitNode = tailscale.exitNode;
  if (!exitNode) return { tagOwners };
  const approvers = [...exitNode.advertiseTags].sort();
  return {
    tagOwners,
    autoApprovers: {
      ...(exitNode.advertiseRoutes.length > 0 ? { routes: Object.fromEntries(exitNode.advertiseRoutes.map((route) => [route, approvers])) } : {}),
      exitNode: approvers,
    },
  };
}

/** The file's text: a comment-free JSON object, two-space indented, newline-terminated. */
export function renderTailnetPolicy(config: ClusterConfig): string {
  return `${JSON.stringify(tailnetPolicyFragment(config), null, 2)}\n`;
}
