/**
 * Container image references (`[registry/]repository[:tag][@sha256:digest]`) and whether they are
 * pinned. A tag pins only if it names a version: `latest`, `stable` or `main` move under you.
 */

export interface ImageReference {
  /** Everything before the tag and digest, registry included: `ghcr.io/tailscale/tailscale`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export function parseImageReference(reference: string): ImageReference {
  const at = reference.indexOf('@');
  const digest = at < 0 ? undefined : reference.slice(at + 1);
  const name = at < 0 ? reference : reference.slice(0, at);
  const colon = name.lastIndexOf(':');
  const hasTag = colon > name.lastIndexOf('/');
  return { repository: hasTag ? name.slice(0, colon) : name, tag: hasTag ? name.slice(colon + 1) : undefined, digest };
}

/** Why `reference` is not pinned, or undefined when it is (a digest, or a tag that names a version). */
export function imagePinProblem(reference: string): string | undefined {
  const { tag, digest } = parseImageReference(reference);
  if (digest !== undefined) {
    return /^sha256:[0-9a-f]{64}$/.test(digest) ? undefined : `has a malformed digest ${JSON.stringify(digest)}`;
  }
  if (tag === undefined) return 'has no tag, which means :latest';
  if (tag === 'latest') return 'uses :latest';
  if (!/[0-9]/.test(tag)) return `uses :${tag}, a tag that moves; pin a version tag or a digest`;
  return undefined;
}
