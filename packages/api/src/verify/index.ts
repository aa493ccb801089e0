import type { Scheme } from "@hookbox/shared";
import { hmacSha256Verifier } from "./hmac-sha256.ts";
import { noneVerifier } from "./none.ts";
import { tokenVerifier } from "./token.ts";
import type { Verifier } from "./types.ts";

export type { RejectReason, Verifier, VerifyInput, VerifyResult } from "./types.ts";

/** The implemented schemes. Adding one is a file beside these and a line here. */
export const verifiers: Partial<Record<Scheme, Verifier>> = {
  "hmac-sha256": hmacSha256Verifier,
  token: tokenVerifier,
  none: noneVerifier,
};

export const SUPPORTED_SCHEMES = Object.keys(verifiers) as Scheme[];

export function verifierFor(scheme: Scheme): Verifier | undefined {
  return verifiers[scheme];
}
