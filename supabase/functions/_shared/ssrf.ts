// The SSRF guard for every outbound call a task makes (http action, notify
// webhooks): loopback, private, link-local, CGNAT, multicast, reserved and
// cloud-metadata targets are refused, by literal address and after DNS
// resolution, and again at every redirect. HTTP_ALLOWED_HOSTS opens chosen
// hosts (`host` or `host:port`); the local stack opens loopback that way.
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

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
  ["192.0.0.0/24", "IETF protocol assignments"], ["192.0.2.0/24", "documentation"], ["192.168.0.0/16", "private"],
  ["198.18.0.0/15", "benchmarking"], ["198.51.100.0/24", "documentation"], ["203.0.113.0/24", "documentation"],
  ["224.0.0.0/4", "multicast"], ["240.0.0.0/4", "reserved"],
];

/** A range whose addresses carry an IPv4 address in their last 32 bits, and are judged by it. */
const carriesIpv4 = Symbol("carries an IPv4 address");

const v6Blocks: [string, string | typeof carriesIpv4][] = [
  ["::/128", "unspecified"], ["::1/128", "loopback"],
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96)
  ["::ffff:0:0/96", carriesIpv4], ["::/96", carriesIpv4], ["64:ff9b::/96", carriesIpv4],
  ["fc00::/7", "unique local"], ["fe80::/10", "link-local"], ["ff00::/8", "multicast"], ["2001:db8::/32", "documentation"],
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
  const label = v6Ranges.find(([range]) => v6.match(range))?.[1] ?? null;
  return label === carriesIpv4 ? classify(ipaddr.fromByteArray(v6.toByteArray().slice(12))) : label;
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

/** Throws BlockedTargetError unless the URL may be called. */
export async function assertAllowedTarget(url: URL, allow: Set<string>, resolve: Resolve): Promise<void> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BlockedTargetError(`refused ${url.href}: only http and https are allowed`);
  }
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  if (allow.has(host) || allow.has(`${host}:${port}`)) return;
  if (metadataHosts.has(host.replace(/\.$/, ""))) throw new BlockedTargetError(`refused ${url.href}: ${host} is a cloud metadata endpoint`);
  const bare = host.replace(/^\[|\]$/g, "");
  const addresses = isIpLiteral(host) ? [bare] : await resolve(bare);
  if (addresses.length === 0) throw new BlockedTargetError(`refused ${url.href}: ${host} does not resolve`);
  for (const address of addresses) {
    const reason = blockedReason(address);
    if (reason) {
      throw new BlockedTargetError(`refused ${url.href}: ${host} resolves to ${address}, a ${reason} address (allow it with HTTP_ALLOWED_HOSTS)`);
    }
  }
}

/**
 * fetch that follows at most `maxRedirects` redirects itself, checking every
 * hop with the guard. A 303, or a 301/302 after POST, becomes a GET.
 */
export async function guardedFetch(
  fetchImpl: typeof fetch,
  input: string,
  init: RequestInit,
  opts: { maxRedirects: number; allow: Set<string>; resolve: Resolve },
): Promise<{ response: Response; url: string; redirects: number }> {
  let url = new URL(input);
  let current: RequestInit = { ...init, redirect: "manual" };
  for (let redirects = 0; ; redirects++) {
    await assertAllowedTarget(url, opts.allow, opts.resolve);
    const response = await fetchImpl(url.href, current);
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
