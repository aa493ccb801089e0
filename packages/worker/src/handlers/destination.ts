import { type LookupAddress, lookup } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { PermanentError } from "./types.ts";

/**
 * Loopback, private, link-local, carrier-grade NAT, multicast and reserved ranges, and the IPv6
 * ranges that carry an IPv4 address (NAT64, 6to4, Teredo, IPv4-compatible), which a gateway
 * would turn back into that address — a private one as easily as any. (IPv4-mapped `::ffff:`
 * addresses are checked against the IPv4 ranges by BlockList itself.)
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 96], // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
  ["64:ff9b::", 96], // NAT64 (RFC 6052)
  ["64:ff9b:1::", 48], // local-use NAT64 (RFC 8215)
  ["2001::", 32], // Teredo
  ["2002::", 16], // 6to4
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10], // site-local (deprecated, still routed inside some networks)
  ["ff00::", 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, "ipv6");
}

export function isPrivateAddress(address: string): boolean {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
  if (mapped) return PRIVATE.check(mapped, "ipv4");
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family === 6) return PRIVATE.check(address, "ipv6");
  return true;
}

/** Refuses a URL whose host is a private IP literal (DNS names are checked at connect time). */
export function assertPublicLiteral(hostname: string): void {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) && isPrivateAddress(host)) {
    throw new PermanentError(
      `refused private destination ${host} (set ALLOW_PRIVATE_DESTINATIONS=true to allow)`,
    );
  }
}

/**
 * A DNS lookup for the HTTP client that fails when any resolved address is private. Checking
 * at connect time (not before) leaves no window for DNS rebinding. The error (a tenant reads it
 * in the attempt) gives the reason, never the address: naming it would let any tenant resolve
 * the operator's internal names.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) {
      return callback(
        new PermanentError(
          `refused private destination ${hostname}: it resolves to a private, loopback or reserved address (set ALLOW_PRIVATE_DESTINATIONS=true to allow)`,
        ) as NodeJS.ErrnoException,
        "",
        0,
      );
    }
    const first = addresses[0];
    if (!first) return callback(new Error(`no address for ${hostname}`) as NodeJS.ErrnoException, "", 0);
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    } else {
      callback(null, first.address, first.family);
    }
  });
};
