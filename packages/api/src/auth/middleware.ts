import { AppError, DEFAULT_TENANT_ID } from "@hookbox/shared";
import { createMiddleware } from "hono/factory";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { hashKey } from "../http/hash-key.ts";
import { safeEqual } from "../verify/safe-equal.ts";
import { touchApiKey } from "./queries.ts";

/** `Authorization: Bearer <key>` → the caller's tenant. Every /v1 route sits behind this. */
export function requireAuth(deps: Pick<ApiDeps, "config" | "sql">) {
  const adminHash = deps.config.adminApiKey ? hashKey(deps.config.adminApiKey) : null;
  return createMiddleware<AuthEnv>(async (c, next) => {
    const key = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!key) throw new AppError("unauthorized", "Missing bearer API key.");
    const hash = hashKey(key);
    // Hashes have equal lengths, so the comparison is constant-time without leaking the key's length.
    if (adminHash && safeEqual(hash, adminHash)) {
      c.set("auth", { tenantId: DEFAULT_TENANT_ID, admin: true, name: "admin" });
      return next();
    }
    const row = await touchApiKey(deps.sql, hash.toString("hex"));
    if (!row) throw new AppError("unauthorized", "Unknown or revoked API key.");
    c.set("auth", { tenantId: row.tenantId, admin: false, name: `key:${row.name}` });
    return next();
  });
}
