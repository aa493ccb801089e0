import type { Scheme } from "./domain.ts";

/**
 * What each signature scheme declares, in one place: the api's verifier reads its signature
 * header from here, the logger and ingest redact every credential header listed here, a new
 * source's secret is generated in the format given here, and the tests sign from it.
 */
export interface SchemeSpec {
  /** How a sender proves itself: an HMAC over the body, a shared token, or nothing. */
  verification: "hmac" | "token" | "none";
  /** The header the verifier reads the signature (or token) from; null when nothing is sent. */
  signatureHeader: string | null;
  /**
   * Other headers this scheme's senders (or its verifier) use that carry a signature or a
   * credential. With `signatureHeader` they are never stored, logged or returned.
   */
  otherCredentialHeaders: readonly string[];
  /** The signature covers a timestamp, refused outside the source's tolerance. */
  timestamped: boolean;
  /** How a generated secret looks: `whsec_<base64>` or base64url (32 random bytes either way). */
  secretFormat: "whsec" | "base64url";
  /**
   * What the HMAC is keyed with: the secret's UTF-8 bytes, or (Standard Webhooks) the base64
   * after `whsec_`, decoded strictly (`whsecKey`).
   */
  key: "utf8" | "whsec";
  /**
   * The fewest key bytes a secret given at create or rotate may have (generated ones have 32).
   * For `whsec` keys it counts decoded bytes: `whsec_********` decodes to nothing at all.
   * 8 is the floor of a user-chosen secret (the API's limit before there were schemes' own).
   */
  minKeyBytes: number;
}

export const SCHEME_SPECS = {
  "hmac-sha256": {
    verification: "hmac",
    signatureHeader: "x-signature",
    otherCredentialHeaders: [],
    timestamped: false,
    secretFormat: "base64url",
    key: "utf8",
    minKeyBytes: 8,
  },
  stripe: {
    verification: "hmac",
    signatureHeader: "stripe-signature",
    otherCredentialHeaders: [],
    timestamped: true,
    secretFormat: "whsec",
    // Stripe keys with the whole `whsec_…` string; its own secrets are 38 bytes.
    key: "utf8",
    minKeyBytes: 16,
  },
  github: {
    verification: "hmac",
    signatureHeader: "x-hub-signature-256",
    // GitHub also sends the legacy SHA-1 signature; not verified, still a signature.
    otherCredentialHeaders: ["x-hub-signature"],
    timestamped: false,
    secretFormat: "base64url",
    key: "utf8",
    minKeyBytes: 8,
  },
  shopify: {
    verification: "hmac",
    signatureHeader: "x-shopify-hmac-sha256",
    otherCredentialHeaders: [],
    timestamped: false,
    secretFormat: "base64url",
    key: "utf8",
    minKeyBytes: 8,
  },
  slack: {
    verification: "hmac",
    signatureHeader: "x-slack-signature",
    otherCredentialHeaders: [],
    timestamped: true,
    secretFormat: "base64url",
    key: "utf8",
    minKeyBytes: 8,
  },
  "standard-webhooks": {
    verification: "hmac",
    signatureHeader: "webhook-signature",
    // Svix-branded senders put the same signature in svix-signature.
    otherCredentialHeaders: ["svix-signature"],
    timestamped: true,
    secretFormat: "whsec",
    // The Standard Webhooks spec: a random key of 24 to 64 bytes.
    key: "whsec",
    minKeyBytes: 24,
  },
  // Hookbox's own, for senders you write: the signature covers a signed id and a timestamp, so a
  // captured delivery cannot be resent under a new key, nor sent ahead under a predictable one.
  hookbox: {
    verification: "hmac",
    signatureHeader: "hookbox-signature",
    otherCredentialHeaders: [],
    timestamped: true,
    secretFormat: "base64url",
    key: "utf8",
    minKeyBytes: 16,
  },
  token: {
    verification: "token",
    signatureHeader: "x-webhook-token",
    otherCredentialHeaders: ["authorization"],
    timestamped: false,
    secretFormat: "base64url",
    key: "utf8",
    minKeyBytes: 8,
  },
  none: {
    verification: "none",
    signatureHeader: null,
    otherCredentialHeaders: [],
    timestamped: false,
    secretFormat: "base64url",
    key: "utf8",
    minKeyBytes: 0,
  },
} as const satisfies Record<Scheme, SchemeSpec>;

/** Every header some scheme declares as carrying a signature or a credential. */
export const SCHEME_CREDENTIAL_HEADERS: readonly string[] = Object.values(SCHEME_SPECS).flatMap(
  (spec: SchemeSpec) => [
    ...(spec.signatureHeader ? [spec.signatureHeader] : []),
    ...spec.otherCredentialHeaders,
  ],
);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 decode: null for malformed or empty input (Buffer.from skips bad characters). */
export function decodeBase64(value: string): Buffer | null {
  return value.length > 0 && BASE64.test(value) ? Buffer.from(value, "base64") : null;
}

/**
 * The HMAC key of a `whsec_<base64>` secret as Standard Webhooks uses it: the base64-decoded
 * part (the prefix is optional), decoded strictly; null when that is not base64 — never an
 * empty key, which anyone could sign with. Stripe, by contrast, keys with the whole string as UTF-8.
 */
export function whsecKey(secret: string): Buffer | null {
  return decodeBase64(secret.startsWith("whsec_") ? secret.slice(6) : secret);
}

/** The key a scheme's HMAC (or token compare) uses for `secret`; null when the secret gives none. */
export function secretKey(scheme: Scheme, secret: string): Buffer | null {
  return SCHEME_SPECS[scheme].key === "whsec" ? whsecKey(secret) : Buffer.from(secret, "utf8");
}

/**
 * Why `secret` is too weak for `scheme` (a line for a 400 answer), or null. Checked where a
 * secret is given — create and rotate — so no source gets a key anyone can guess.
 */
export function weakSecretProblem(scheme: Scheme, secret: string): string | null {
  const spec: SchemeSpec = SCHEME_SPECS[scheme];
  const key = secretKey(scheme, secret);
  if (!key) return "must be `whsec_` followed by base64 (the Standard Webhooks secret format)";
  if (key.length < spec.minKeyBytes) {
    const what = spec.key === "whsec" ? "decoded bytes after `whsec_`" : "bytes";
    return `must have at least ${spec.minKeyBytes} ${what} for scheme ${scheme} (it has ${key.length})`;
  }
  return null;
}
