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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClusterConfig } from '../config/schema';
import { readRegularFile } from '../lib/walk';

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

/** A fragment whose file differs from what synth renders now. */
export interface PendingTailnetPolicy {
  /** Relative to the repository root, e.g. `tailnet/prod.json`. */
  readonly file: string;
  readonly target: string;
  readonly content: string;
}

/**
 * The fragments to rewrite under `root` (the folder holding flux/), or why none can be: looked at
 * before flux/ is written, never opening a FIFO or following a link, so what is in the way refuses
 * the whole run instead of hanging it afterwards.
 */
export function pendingTailnetPolicies(root: string, policies: ReadonlyMap<string, string>): PendingTailnetPolicy[] | string {
  const pending: PendingTailnetPolicy[] = [];
  for (const [file, content] of policies) {
    const target = path.join(root, file);
    const folder = fs.lstatSync(path.dirname(target), { throwIfNoEntry: false });
    if (folder && !folder.isDirectory()) return `${path.dirname(target)} is not a folder: synth writes the tailnet policy fragments into it; move it away`;
    const stat = fs.lstatSync(target, { throwIfNoEntry: false });
    if (stat && !stat.isFile()) {
      const what = stat.isSymbolicLink() ? 'a symbolic link (never followed)' : stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a FIFO (never opened)' : 'not a regular file (never opened)';
      return `${target} is ${what}: synth writes the tailnet policy fragment there; remove it`;
    }
    if (stat && readRegularFile(target) === content) continue;
    pending.push({ file, target, content });
  }
  return pending;
}

/**
 * Writes each pending fragment whole or not at all (a temporary file beside it, then a rename).
 * @returns the files written, relative to the repository root
 * @throws the fs error of the first fragment that cannot be written
 */
export function writeTailnetPolicies(pending: readonly PendingTailnetPolicy[]): string[] {
  for (const { target, content } of pending) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, content);
    fs.renameSync(temporary, target);
  }
  return pending.map(({ file }) => file);
}
