// The guard's verdict on addresses, one of each kind of range and its edges,
// in the forms DNS and URLs give them. The http and notify tests check the
// guard on real calls (refusals, redirects, the allow-list).
import { expect, test } from "vitest";
import { assertAllowedTarget, blockedReason, BlockedTargetError } from "./ssrf.ts";

const verdicts: [string, string | null][] = [
  ["0.0.0.0", "unspecified"], ["0.255.255.255", "unspecified"],
  ["10.0.0.5", "private"], ["172.16.0.1", "private"], ["172.31.255.255", "private"], ["172.32.0.1", null], ["192.168.1.1", "private"],
  ["100.64.0.1", "carrier-grade NAT"], ["100.127.255.255", "carrier-grade NAT"], ["100.128.0.0", null], ["100.63.255.255", null],
  ["127.0.0.1", "loopback"], ["127.255.255.254", "loopback"],
  ["169.254.169.254", "link-local (cloud metadata)"],
  ["192.0.0.8", "IETF protocol assignments"], ["192.0.2.1", "documentation"], ["198.51.100.7", "documentation"], ["203.0.113.9", "documentation"],
  ["198.18.0.1", "benchmarking"], ["198.19.255.255", "benchmarking"], ["198.20.0.0", null],
  ["224.0.0.1", "multicast"], ["239.255.255.250", "multicast"], ["240.0.0.1", "reserved"], ["255.255.255.255", "reserved"],
  ["8.8.8.8", null], ["1.1.1.1", null], ["93.184.215.14", null],
  ["::", "unspecified"], ["::1", "loopback"], ["0:0:0:0:0:0:0:1", "loopback"], ["[::1]", "loopback"],
  ["::ffff:127.0.0.1", "loopback"], ["::ffff:7f00:1", "loopback"], ["::ffff:10.1.2.3", "private"], ["::ffff:8.8.8.8", null],
  ["::169.254.169.254", "link-local (cloud metadata)"], ["64:ff9b::192.168.0.1", "private"], ["64:ff9b::8.8.8.8", null],
  ["fc00::1", "unique local"], ["fd12:3456::1", "unique local"], ["fe80::1", "link-local"], ["fe80::1%eth0", "link-local"], ["FEBF::1", "link-local"],
  ["ff02::1", "multicast"], ["2001:db8::1", "documentation"], ["2001:db9::1", null], ["2606:4700::1111", null],
  // the transition ranges, judged by the IPv4 addresses they carry
  ["2002:7f00:1::1", "loopback (6to4 127.0.0.1)"], ["2002:a9fe:a9fe::", "link-local (cloud metadata) (6to4 169.254.169.254)"],
  ["2002:c0a8:101:1::1", "private (6to4 192.168.1.1)"], ["2002:808:808::1", null],
  ["2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback (Teredo client 127.0.0.1)"],
  ["2001:0:a00:1:8000:63bf:f7f7:f7f7", "private (Teredo server 10.0.0.1)"],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "documentation (Teredo client 192.0.2.45)"],
  ["2001:0:4136:e378:8000:63bf:f7f7:f7f7", null],
  ["64:ff9b::7f00:1", "loopback"], ["64:ff9b::a9fe:a9fe", "link-local (cloud metadata)"],
  ["64:ff9b:1::a00:1", "local-use NAT64"], ["64:ff9b:1:ffff::8.8.8.8", "local-use NAT64"], ["64:ff9b:2::1", "unassigned (outside 2000::/3)"],
  ["::ffff:0:7f00:1", "loopback"], ["::ffff:0:808:808", null], ["::7f00:1", "loopback"], ["::ffff:a9fe:a9fe", "link-local (cloud metadata)"],
  ["fec0::1", "site-local"], ["[fec0::1]", "site-local"], ["feff:ffff::1", "site-local"], ["100::1", "discard-only"],
  ["2001:2::1", "benchmarking"], ["2001:10::1", "ORCHID"], ["3fff::1", "documentation"], ["5f00::1", "segment routing"],
  ["4000::1", "unassigned (outside 2000::/3)"], ["1::1", "unassigned (outside 2000::/3)"], ["e000::1", "unassigned (outside 2000::/3)"],
  ["192.88.99.1", "6to4 relay anycast"], ["2a00:1450:4001:82b::200e", null], ["3ffe:ffff::1", null],
  ["localhost", "not an IP address"], ["1.2.3", "not an IP address"], ["256.1.1.1", "not an IP address"], ["1::2::3", "not an IP address"], ["", "not an IP address"],
];

for (const [address, reason] of verdicts) {
  test(`${address || "(empty)"}: ${reason ?? "allowed"}`, () => {
    expect(blockedReason(address)).toBe(reason);
  });
}

test("a literal address is judged without DNS; a name by every address it resolves to", async () => {
  const resolve = async (host: string) => host === "mixed.test" ? ["93.184.215.14", "10.0.0.1"] : host === "public.test" ? ["93.184.215.14"] : [];
  const noDns = async () => { throw new Error("no DNS for literals"); };
  await expect(assertAllowedTarget(new URL("http://[::ffff:127.0.0.1]/"), new Set(), noDns)).rejects.toThrow(/a loopback address/);
  await expect(assertAllowedTarget(new URL("http://8.8.8.8/"), new Set(), noDns)).resolves.toBeUndefined();
  await expect(assertAllowedTarget(new URL("https://mixed.test/"), new Set(), resolve)).rejects.toThrow(/resolves to 10\.0\.0\.1, a private address/);
  await expect(assertAllowedTarget(new URL("https://public.test/"), new Set(), resolve)).resolves.toBeUndefined();
  await expect(assertAllowedTarget(new URL("https://gone.test/"), new Set(), resolve)).rejects.toThrow(BlockedTargetError);
});

test("a name that resolves into a transition range is refused by the address it embeds", async () => {
  const answers: Record<string, string[]> = {
    "six-to-four.test": ["2002:7f00:1::1"], "teredo.test": ["2001:0:4136:e378:8000:63bf:80ff:fffe"],
    "nat64.test": ["64:ff9b::a9fe:a9fe"], "site-local.test": ["fec0::1"], "mapped.test": ["::ffff:10.0.0.1"],
    "public-6to4.test": ["2002:808:808::1"],
  };
  const resolve = async (host: string) => answers[host] ?? [];
  const refusal = (host: string) => assertAllowedTarget(new URL(`https://${host}/`), new Set(), resolve);
  await expect(refusal("six-to-four.test")).rejects.toThrow("six-to-four.test resolves to 2002:7f00:1::1, a loopback (6to4 127.0.0.1) address");
  await expect(refusal("teredo.test")).rejects.toThrow(/a loopback \(Teredo client 127\.0\.0\.1\) address/);
  await expect(refusal("nat64.test")).rejects.toThrow(/a link-local \(cloud metadata\) address/);
  await expect(refusal("site-local.test")).rejects.toThrow(/resolves to fec0::1, a site-local address/);
  await expect(refusal("mapped.test")).rejects.toThrow(/a private address/);
  await expect(refusal("public-6to4.test")).resolves.toBeUndefined();
  // literals too, as a URL spells them
  await expect(assertAllowedTarget(new URL("http://[2002:7f00:1::1]:8080/"), new Set(), resolve)).rejects.toThrow(/6to4 127\.0\.0\.1/);
  await expect(assertAllowedTarget(new URL("http://[fec0::1]/"), new Set(), resolve)).rejects.toThrow(/site-local/);
});
