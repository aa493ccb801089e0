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
}

export const SCHEME_SPECS = {
  "hmac-sha256": {
    verification: "hmac",
    signatureHeader: "x-signature",
    otherCredentialHeaders: [],
    timestamped: false,
    secretFormat: "base64url",
  },
  stripe: {
    verification: "hmac",
    signatureHeader: "stripe-signature",
    otherCredentialHeaders: [],
    timestamped: true,
    secretFormat: "whsec",
  },
  github: {
    verification: "hmac",
    signatureHeader: "x-hub-signature-256",
    // GitHub also sends the legacy SHA-1 signature; not verified, still a signature.
    otherCredentialHeaders: ["x-hub-signature"],
    timestamped: false,
    secretFormat: "base64url",
  },
  shopify: {
    verification: "hmac",
    signatureHeader: "x-shopify-hmac-sha256",
    otherCredentialHeaders: [],
    timestamped: false,
    secretFormat: "base64url",
  },
  slack: {
    verification: "hmac",
    signatureHeader: "x-slack-signature",
    otherCredentialHeaders: [],
    timestamped: true,
    secretFormat: "base64url",
  },
  "standard-webhooks": {
    verification: "hmac",
    signatureHeader: "webhook-signature",
    // Svix-branded senders put the same signature in svix-signature.
    otherCredentialHeaders: ["svix-signature"],
    timestamped: true,
    secretFormat: "whsec",
  },
  token: {
    verification: "token",
    signatureHeader: "x-webhook-token",
    otherCredentialHeaders: ["authorization"],
    timestamped: false,
    secretFormat: "base64url",
  },
  none: {
    verification: "none",
    signatureHeader: null,
    otherCredentialHeaders: [],
    timestamped: false,
    secretFormat: "base64url",
  },
} as const satisfies Record<Scheme, SchemeSpec>;

/** Every header some scheme declares as carrying a signature or a credential. */
export const SCHEME_CREDENTIAL_HEADERS: readonly string[] = Object.values(SCHEME_SPECS).flatMap(
  (spec: SchemeSpec) => [
    ...(spec.signatureHeader ? [spec.signatureHeader] : []),
    ...spec.otherCredentialHeaders,
  ],
);

/**
 * The HMAC key of a `whsec_<base64>` secret as Standard Webhooks uses it: the base64-decoded
 * part (the prefix is optional). Stripe, by contrast, keys with the whole string as UTF-8.
 */
export function whsecKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}
