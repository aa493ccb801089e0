import { createHmac } from "node:crypto";
import type { Scheme } from "../domain.ts";

export interface SignInput {
  body: string | Buffer;
  secret: string;
  /** Unix seconds, for the timestamped schemes. */
  timestamp?: number;
  /** Message id for Standard Webhooks (and the idempotency header where a scheme has one). */
  id?: string;
}

const hmac = (key: string | Buffer, ...parts: (string | Buffer)[]) => {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/**
 * Headers a sender of `scheme` would send, computed with node:crypto exactly as each sender's
 * documentation describes (the e2e tests also sign with the senders' own libraries).
 */
export function signDelivery(scheme: Scheme, input: SignInput): Record<string, string> {
  const { body, secret } = input;
  const ts = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const id = input.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  switch (scheme) {
    case "hmac-sha256":
      return { "x-signature": `sha256=${hmac(secret, body).toString("hex")}` };
    case "stripe":
      return { "stripe-signature": `t=${ts},v1=${hmac(secret, `${ts}.`, body).toString("hex")}` };
    case "github":
      return {
        "x-hub-signature-256": `sha256=${hmac(secret, body).toString("hex")}`,
        "x-github-delivery": id,
        "x-github-event": "push",
      };
    case "shopify":
      return {
        "x-shopify-hmac-sha256": hmac(secret, body).toString("base64"),
        "x-shopify-webhook-id": id,
        "x-shopify-topic": "orders/create",
      };
    case "slack":
      return {
        "x-slack-request-timestamp": ts,
        "x-slack-signature": `v0=${hmac(secret, `v0:${ts}:`, body).toString("hex")}`,
      };
    case "standard-webhooks": {
      const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
      return {
        "webhook-id": id,
        "webhook-timestamp": ts,
        "webhook-signature": `v1,${hmac(key, `${id}.${ts}.`, body).toString("base64")}`,
      };
    }
    case "token":
      return { "x-webhook-token": secret };
    case "none":
      return {};
  }
}

/** The header that carries the signature (or token) of each scheme. */
export const SIGNATURE_HEADER: Record<Scheme, string | null> = {
  "hmac-sha256": "x-signature",
  stripe: "stripe-signature",
  github: "x-hub-signature-256",
  shopify: "x-shopify-hmac-sha256",
  slack: "x-slack-signature",
  "standard-webhooks": "webhook-signature",
  token: "x-webhook-token",
  none: null,
};
