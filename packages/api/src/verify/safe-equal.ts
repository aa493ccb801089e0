import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Constant-time comparison that never throws: `timingSafeEqual` throws on unequal lengths,
 * and a signature of the wrong length must be a 401, not a 500.
 */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    // Compare a with itself so the time spent does not depend on where b differs.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

export function hmacSha256(key: string | Buffer, ...parts: (string | Uint8Array)[]): Buffer {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** Strict hex decode: null for anything that is not whole bytes of hex (Buffer.from truncates silently). */
export function decodeHex(value: string): Buffer | null {
  return HEX.test(value) ? Buffer.from(value, "hex") : null;
}

/** Index of the first secret whose MAC equals `expected`, or -1. Every secret is tried. */
export function matchSecret(
  secrets: readonly string[],
  candidates: readonly Buffer[],
  mac: (secret: string) => Buffer,
): number {
  let found = -1;
  secrets.forEach((secret, index) => {
    const digest = mac(secret);
    for (const candidate of candidates) {
      if (safeEqual(digest, candidate) && found === -1) found = index;
    }
  });
  return found;
}
