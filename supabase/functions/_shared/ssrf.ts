// The SSRF guard for every outbound call a task makes (http action, notify
// webhooks): loopback, private, link-local, CGNAT, multicast, reserved and
// cloud-metadata targets are refused, by literal address and after DNS
// resolution, and again at every redirect. HTTP_ALLOWED_HOSTS opens chosen
// hosts (`host` or `host:port`); the local stack opens loopback that way.
import { lookup } from "node:dns/promises";

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

function ipv4ToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

const v4Blocks: [string, number, string][] = [
  ["0.0.0.0", 8, "unspecified"], ["10.0.0.0", 8, "private"], ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"], ["169.254.0.0", 16, "link-local (cloud metadata)"], ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"], ["192.0.2.0", 24, "documentation"], ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"], ["198.51.100.0", 24, "documentation"], ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"], ["240.0.0.0", 4, "reserved"],
];

function classifyV4(ip: string): string | null {
  const n = ipv4ToInt(ip);
  if (n === null) return null;
  for (const [base, bits, label] of v4Blocks) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if (((n & mask) >>> 0) === ((ipv4ToInt(base)! & mask) >>> 0)) return label;
  }
  return null;
}

function expandV6(ip: string): number[] | null {
  let addr = ip.toLowerCase().replace(/^\[|\]$/g, "").split("%")[0];
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4tail) {
    const n = ipv4ToInt(v4tail[1]);
    if (n === null) return null;
    addr = addr.slice(0, -v4tail[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = addr.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array(fill).fill("0"), ...tail];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

function classifyV6(ip: string): string | null {
  const g = expandV6(ip);
  if (!g) return null;
  if (g.every((x) => x === 0)) return "unspecified";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) carry an IPv4 address
  const embedded = `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) return classifyV4(embedded) ?? null;
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyV4(embedded) ?? null;
  if ((g[0] & 0xfe00) === 0xfc00) return "unique local";
  if ((g[0] & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0] & 0xff00) === 0xff00) return "multicast";
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "documentation";
  return null;
}

/** Why an address may not be called, or null when it is a public unicast address. */
export function blockedReason(address: string): string | null {
  if (ipv4ToInt(address) !== null) return classifyV4(address);
  if (address.includes(":")) return classifyV6(address) ?? (expandV6(address) ? null : "not an IP address");
  return "not an IP address";
}

export function parseAllowList(raw: string | undefined): Set<string> {
  return new Set((raw ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean));
}

function isIpLiteral(host: string): boolean {
  return ipv4ToInt(host) !== null || host.startsWith("[") || host.includes(":");
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
