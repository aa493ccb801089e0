import { createHash } from "node:crypto";

/** The sha256 of an API key: what is stored (api-keys) and what a bearer key is looked up by (auth). */
export function hashKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}
