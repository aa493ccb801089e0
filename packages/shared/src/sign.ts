import { createHmac } from "node:crypto";
import type { Scheme } from "./domain.ts";
import { whsecKey } from "./schemes.ts";

export interface SignInput {
  body: string | Buffer;
  secret: string;
  /** Unix seconds, for the timestamped schemes (default: now). */
  timestamp?: number;
  /** Message id for Standard Webhooks (and the delivery-id header where a scheme has one). */
  id?: string;
  /**
   * The event type, for the schemes whose senders put it in a header (GitHub `X-GitHub-Event`,
   * Shopify `X-Shopify-Topic`, `X-Event-Type` for hmac-sha256, token and none). The others carry
   * it in the payload. Without it GitHub says `push` and Shopify `orders/create`.
   */
  eventType?: string;
}

type Signer = (input: {
  body: string | Buffer;
  secret: string;
  ts: string;
  id: string;
  type: string | undefined;
}) => Record<string, string>;

const hmac = (key: string | Buffer, ...parts: (string | Buffer)[]) => {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

const typeHeader = (type: string | undefined): Record<string, string> =>
  type ? { "x-event-type": type } : {};

/**
 * One signer per scheme: the headers its senders send, computed with node:crypto exactly as
 * each sender's documentation describes. The tests sign with these, and so does the api's
 * test-delivery route (`hookbox trigger`): one implementation of "how Stripe signs". The header
 * names are written out here, not read from `SCHEME_SPECS`: they are what a sender sends, which
 * the declaration must match (the e2e tests also sign with the senders' own libraries).
 */
const SIGNERS: Record<Scheme, Signer> = {
  "hmac-sha256": ({ body, secret, type }) => ({
    "x-signature": `sha256=${hmac(secret, body).toString("hex")}`,
    ...typeHeader(type),
  }),
  stripe: ({ body, secret, ts }) => ({
    "stripe-signature": `t=${ts},v1=${hmac(secret, `${ts}.`, body).toString("hex")}`,
  }),
  github: ({ body, secret, id, type }) => ({
    "x-hub-signature-256": `sha256=${hmac(secret, body).toString("hex")}`,
    "x-hub-signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`,
    "x-github-delivery": id,
    "x-github-event": type ?? "push",
  }),
  shopify: ({ body, secret, id, type }) => ({
    "x-shopify-hmac-sha256": hmac(secret, body).toString("base64"),
    "x-shopify-webhook-id": id,
    "x-shopify-topic": type ?? "orders/create",
  }),
  slack: ({ body, secret, ts }) => ({
    "x-slack-request-timestamp": ts,
    "x-slack-signature": `v0=${hmac(secret, `v0:${ts}:`, body).toString("hex")}`,
  }),
  "standard-webhooks": ({ body, secret, ts, id }) => ({
    "webhook-id": id,
    "webhook-timestamp": ts,
    // A secret that is not base64 signs with an empty key, as a lenient decoder would: the
    // signature an attacker sends to a source whose stored secret is `whsec_********`.
    "webhook-signature": `v1,${hmac(whsecKey(secret) ?? Buffer.alloc(0), `${id}.${ts}.`, body).toString("base64")}`,
  }),
  hookbox: ({ body, secret, ts, id }) => ({
    "hookbox-id": id,
    "hookbox-timestamp": ts,
    "hookbox-signature": `v1=${hmac(secret, `${id}.${ts}.`, body).toString("hex")}`,
  }),
  token: ({ secret, type }) => ({ "x-webhook-token": secret, ...typeHeader(type) }),
  none: ({ type }) => typeHeader(type),
};

/** Headers a sender of `scheme` would send for `input`. */
export function signDelivery(scheme: Scheme, input: SignInput): Record<string, string> {
  return SIGNERS[scheme]({
    body: input.body,
    secret: input.secret,
    ts: String(input.timestamp ?? Math.floor(Date.now() / 1000)),
    id: input.id ?? `msg_${Math.random().toString(36).slice(2)}`,
    type: input.eventType,
  });
}
