import { isIP } from "node:net";

/**
 * The header instrumentation.ts sets on every request from the TCP socket's peer address, replacing
 * whatever a client sent under that name.
 */
export const PEER_ADDRESS_HEADER = "x-canopy-peer-address";
/** The header the auth route sets to the resolved client address for Better Auth's rate limit. */
export const CLIENT_ADDRESS_HEADER = "x-canopy-client-address";

/** CANOPY_TRUSTED_PROXIES: a number of hops, or IPs/CIDRs. Unset → trust none. */
export type TrustedProxies = { hops: number } | { cidrs: string[] } | null;

export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  if (!value?.trim()) return null;
  if (/^\d+$/.test(value.trim())) return { hops: Number(value.trim()) };
  return {
    cidrs: value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean),
  };
}

/** "::ffff:192.0.2.1" → "192.0.2.1"; anything else as it is (lower-case). */
export function normalizeAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? mapped[1]! : lower;
}

function toBytes(address: string): number[] | null {
  const ip = normalizeAddress(address);
  if (isIP(ip) === 4) return ip.split(".").map(Number);
  if (isIP(ip) !== 6) return null;
  const [head = "", tail = ""] = ip.includes("::") ? ip.split("::") : [ip, ""];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return groups.flatMap((group) => {
    const n = Number.parseInt(group, 16);
    return [(n >> 8) & 255, n & 255];
  });
}

export function inCidr(address: string, cidr: string): boolean {
  const [network = "", prefixText] = cidr.split("/");
  const ip = toBytes(address);
  const net = toBytes(network);
  if (!ip || !net || ip.length !== net.length) return false;
  let bits = prefixText === undefined ? ip.length * 8 : Number(prefixText);
  for (let i = 0; i < ip.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 255 : (255 << (8 - bits)) & 255;
    if ((ip[i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
}

/**
 * The client's address: the socket's peer, unless the peer is a trusted proxy, in which case the
 * X-Forwarded-For chain is walked from the right (the entries the trusted proxies appended) to the first
 * address not trusted. With `{ hops: n }` the n right-most hops (peer included) are the proxies. With
 * nothing trusted, X-Forwarded-For is ignored entirely: any client can send it. Null without a peer.
 */
export function clientAddress(
  peer: string | null,
  forwardedFor: string | null,
  trusted: TrustedProxies,
): string | null {
  if (!peer || !isIP(normalizeAddress(peer))) return null;
  const chain = [
    ...(forwardedFor ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean),
    peer,
  ].map(normalizeAddress);
  if (!trusted) return chain.at(-1)!;
  if ("hops" in trusted) {
    const candidate = chain[Math.max(0, chain.length - 1 - trusted.hops)]!;
    return isIP(candidate) ? candidate : chain.at(-1)!;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const address = chain[i]!;
    if (!isIP(address)) return chain[i + 1] ?? chain.at(-1)!;
    if (!trusted.cidrs.some((cidr) => inCidr(address, cidr))) return address;
  }
  return chain[0]!;
}
