import type { Scheme } from "@hookbox/shared";
import { githubVerifier } from "./github.ts";
import { hmacSha256Verifier } from "./hmac-sha256.ts";
import { hookboxVerifier } from "./hookbox.ts";
import { noneVerifier } from "./none.ts";
import { shopifyVerifier } from "./shopify.ts";
import { slackVerifier } from "./slack.ts";
import { standardWebhooksVerifier } from "./standard-webhooks.ts";
import { stripeVerifier } from "./stripe.ts";
import { tokenVerifier } from "./token.ts";
import type { Verifier } from "./types.ts";

export type { RejectReason, Verifier, VerifyInput, VerifyResult } from "./types.ts";

/**
 * One verifier per scheme. Adding a scheme is its entry in `SCHEME_SPECS` (shared), a file
 * beside these and a line here.
 */
const verifiers: Record<Scheme, Verifier> = {
  "hmac-sha256": hmacSha256Verifier,
  stripe: stripeVerifier,
  github: githubVerifier,
  shopify: shopifyVerifier,
  slack: slackVerifier,
  "standard-webhooks": standardWebhooksVerifier,
  hookbox: hookboxVerifier,
  token: tokenVerifier,
  none: noneVerifier,
};

export function verifierFor(scheme: Scheme): Verifier | undefined {
  return verifiers[scheme];
}
