/**
 * IP and CIDR arithmetic, on ipaddr.js (the parser Express and proxy-addr use) so that every range
 * test, canonical form and overlap check follows one implementation.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

function parseCidr(cidr: string): [Address, number] | undefined {
  try {
    return ipaddr.parseCIDR(cidr);
  } catch {
    return undefined;
  }
}

/** True for `a.b.c.d/n` (or IPv6) whose host bits are zero: what `tailscale up --advertise-routes` accepts. */
export function isCanonicalCidr(cidr: string): boolean {
  const parsed = parseCidr(cidr);
  if (!parsed) return false;
  const [address, prefix] = parsed;
  const network = address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr)
    : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return `${network.toString()}/${prefix}` === cidr && address.toString() === network.toString();
}

export function isIpv4Address(value: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(value);
}

/** Whether `address` lies inside `cidr` (both IPv4 or both IPv6). */
export function cidrContains(cidr: string, address: string): boolean {
  const range = parseCidr(cidr);
  if (!range || !ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  return parsed.kind() === range[0].kind() && parsed.match(range);
}

/** Whether two CIDRs share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const left = parseCidr(a);
  const right = parseCidr(b);
  if (!left || !right || left[0].kind() !== right[0].kind()) return false;
  return left[0].match(right) || right[0].match(left);
}
