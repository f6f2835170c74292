// The SSRF guard for every outbound call a task makes (http action, notify
// webhooks): loopback, private, link-local, CGNAT, multicast, reserved and
// cloud-metadata targets are refused, by literal address and after DNS
// resolution, and again at every redirect. IPv6 addresses that carry an IPv4
// address (IPv4-mapped and -compatible, NAT64, 6to4, Teredo) are judged by
// the addresses they carry. The request then goes to an address that was
// checked, never to a second resolution (pinned-http.ts), so DNS rebinding
// cannot swap it. HTTP_ALLOWED_HOSTS opens chosen hosts (`host` or
// `host:port`); the local stack opens loopback that way.
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { type Connect, type PinnedInit, pinnedRequest } from "./pinned-http.ts";

export type Resolve = (hostname: string) => Promise<string[]>;

/** The system resolver: every address a name resolves to. */
export const resolveAll: Resolve = async (hostname) => (await lookup(hostname, { all: true })).map((a) => a.address);

export class BlockedTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BlockedTargetError";
  }
}

const metadataHosts = new Set(["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);

// Each range with the word a refusal uses for it; ipaddr.js parses the
// addresses and matches the ranges.
const v4Blocks: [string, string][] = [
  ["0.0.0.0/8", "unspecified"], ["10.0.0.0/8", "private"], ["100.64.0.0/10", "carrier-grade NAT"],
  ["127.0.0.0/8", "loopback"], ["169.254.0.0/16", "link-local (cloud metadata)"], ["172.16.0.0/12", "private"],
  ["192.0.0.0/24", "IETF protocol assignments"], ["192.0.2.0/24", "documentation"], ["192.88.99.0/24", "6to4 relay anycast"],
  ["192.168.0.0/16", "private"], ["198.18.0.0/15", "benchmarking"], ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"], ["224.0.0.0/4", "multicast"], ["240.0.0.0/4", "reserved"],
];

/** The IPv4 addresses an IPv6 address of a transition range carries, each with what it is there. */
type Embedded = (bytes: number[]) => [ipaddr.IPv4, string | null][];
const v4At = (bytes: number[], at: number) => new ipaddr.IPv4(bytes.slice(at, at + 4));
// the last 32 bits, and the address is judged as that IPv4 address (RFC 4291's
// IPv4-mapped and -compatible, RFC 2765's IPv4-translated, RFC 6052's NAT64 /96)
const last32: Embedded = (b) => [[v4At(b, 12), null]];
// 6to4 (RFC 3056): 2002:AABB:CCDD::/48 is the site behind IPv4 AA.BB.CC.DD
const sixToFour: Embedded = (b) => [[v4At(b, 2), "6to4"]];
// Teredo (RFC 4380): the server's IPv4 in bits 32–63, the client's mapped
// address inverted in the last 32 bits; either one may point inside
const teredo: Embedded = (b) => [[v4At(b, 4), "Teredo server"], [new ipaddr.IPv4(b.slice(12, 16).map((x) => x ^ 0xff)), "Teredo client"]];

const v6Blocks: [string, string | Embedded][] = [
  ["::/128", "unspecified"], ["::1/128", "loopback"],
  ["::ffff:0:0/96", last32], ["::ffff:0:0:0/96", last32], ["::/96", last32], ["64:ff9b::/96", last32],
  // RFC 8215's local-use NAT64 prefix: where the IPv4 address sits is the
  // operator's choice (RFC 6052 allows /32 to /96), so nothing in the address says which it is
  ["64:ff9b:1::/48", "local-use NAT64"],
  ["2002::/16", sixToFour], ["2001::/32", teredo],
  ["fc00::/7", "unique local"], ["fe80::/10", "link-local"], ["fec0::/10", "site-local"], ["ff00::/8", "multicast"],
  ["100::/64", "discard-only"], ["2001:2::/48", "benchmarking"], ["2001:10::/28", "ORCHID"], ["2001:20::/28", "ORCHID"],
  ["2001:db8::/32", "documentation"], ["3fff::/20", "documentation"], ["5f00::/16", "segment routing"],
  // everything above that is not global unicast has a word of its own; what is left outside 2000::/3 is unassigned
  ["2000::/3", "global unicast"],
];

const v4Ranges = v4Blocks.map(([cidr, label]) => [ipaddr.IPv4.parseCIDR(cidr), label] as const);
const v6Ranges = v6Blocks.map(([cidr, label]) => [ipaddr.IPv6.parseCIDR(cidr), label] as const);

/** An IPv4 address in four decimal parts, or an IPv6 address (brackets and a zone allowed); else null. */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return ipaddr.IPv4.parse(address);
  const bare = address.replace(/^\[|\]$/g, "");
  return bare.includes(":") && ipaddr.IPv6.isValid(bare) ? ipaddr.IPv6.parse(bare) : null;
}

function classify(address: ipaddr.IPv4 | ipaddr.IPv6): string | null {
  if (address.kind() === "ipv4") {
    const v4 = address as ipaddr.IPv4;
    return v4Ranges.find(([range]) => v4.match(range))?.[1] ?? null;
  }
  const v6 = address as ipaddr.IPv6;
  const label = v6Ranges.find(([range]) => v6.match(range))?.[1];
  if (label === undefined) return "unassigned (outside 2000::/3)";
  if (label === "global unicast") return null;
  if (typeof label === "string") return label;
  for (const [v4, role] of label(v6.toByteArray())) {
    const reason = classify(v4);
    if (reason) return role ? `${reason} (${role} ${v4})` : reason;
  }
  return null;
}

/** Why an address may not be called, or null when it is a public unicast address. */
export function blockedReason(address: string): string | null {
  const parsed = parseAddress(address);
  return parsed ? classify(parsed) : "not an IP address";
}

export function parseAllowList(raw: string | undefined): Set<string> {
  return new Set((raw ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean));
}

function isIpLiteral(host: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(host) || host.startsWith("[") || host.includes(":");
}

/**
 * The addresses the URL may be called at: every address its host resolves to
 * once checked, or a literal's own. A host in the allow-list is resolved
 * without a check. Throws BlockedTargetError when the URL may not be called.
 */
export async function checkedAddresses(url: URL, allow: Set<string>, resolve: Resolve): Promise<string[]> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BlockedTargetError(`refused ${url.href}: only http and https are allowed`);
  }
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const bare = host.replace(/^\[|\]$/g, "");
  const lookUp = async () => isIpLiteral(host) ? [bare] : await resolve(bare);
  if (allow.has(host) || allow.has(`${host}:${port}`)) return await lookUp();
  if (metadataHosts.has(host.replace(/\.$/, ""))) throw new BlockedTargetError(`refused ${url.href}: ${host} is a cloud metadata endpoint`);
  const addresses = await lookUp();
  if (addresses.length === 0) throw new BlockedTargetError(`refused ${url.href}: ${host} does not resolve`);
  for (const address of addresses) {
    const reason = blockedReason(address);
    if (reason) {
      throw new BlockedTargetError(`refused ${url.href}: ${host} resolves to ${address}, a ${reason} address (allow it with HTTP_ALLOWED_HOSTS)`);
    }
  }
  return addresses;
}

/** Throws BlockedTargetError unless the URL may be called. */
export async function assertAllowedTarget(url: URL, allow: Set<string>, resolve: Resolve): Promise<void> {
  await checkedAddresses(url, allow, resolve);
}

export interface GuardOptions {
  maxRedirects: number;
  allow: Set<string>;
  resolve: Resolve;
  /** How a connection to a checked address is made: deno-connect.ts on the Edge Runtime. */
  connect: Connect;
}

/**
 * A request that follows at most `maxRedirects` redirects itself, checking
 * every hop with the guard and connecting to the addresses checked, never
 * resolving the name again (DNS rebinding). A 303, or a 301/302 after POST,
 * becomes a GET.
 */
export async function guardedFetch(
  input: string,
  init: PinnedInit,
  opts: GuardOptions,
): Promise<{ response: Response; url: string; redirects: number }> {
  let url = new URL(input);
  let current: PinnedInit = init;
  for (let redirects = 0; ; redirects++) {
    const addresses = await checkedAddresses(url, opts.allow, opts.resolve);
    const response = await pinnedRequest(opts.connect, url, addresses, current);
    const location = response.headers.get("location");
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) return { response, url: url.href, redirects };
    await response.body?.cancel();
    if (redirects >= opts.maxRedirects) {
      throw new BlockedTargetError(`too many redirects: more than ${opts.maxRedirects} (max_redirects) starting at ${input}`);
    }
    url = new URL(location, url);
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && current.method === "POST")) {
      current = { ...current, method: "GET", body: undefined };
    }
  }
}
