import { createHash, createHmac, randomBytes } from "node:crypto";
import { AppError, DEFAULT_TENANT_ID, type Sql, uuidv7 } from "@hookbox/shared";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { ApiDeps } from "../deps.ts";
import type { Auth } from "../http/caller.ts";
import { hashKey } from "../http/hash-key.ts";
import { safeEqual } from "../verify/safe-equal.ts";

export type ConsoleEnv = { Variables: { auth: Auth; requestId: string; csrf: string } };

export const CONSOLE_PATH = "/console";
const COOKIE = "hookbox_console";
/** Idle lifetime: each request slides it; a session never outlives MAX_LIFETIME from sign-in. */
const IDLE_HOURS = 12;
const MAX_LIFETIME_DAYS = 7;

const sha256 = (token: string) => createHash("sha256").update(token, "utf8").digest();

/**
 * API key → a session row (the sha256 of a random token) and its token for the cookie; null when
 * the key is unknown or revoked. The bootstrap admin key has no row: its sessions carry no key id.
 */
export async function signIn(
  deps: Pick<ApiDeps, "sql" | "config">,
  key: string,
): Promise<{ token: string } | null> {
  const hash = hashKey(key);
  const admin = deps.config.adminApiKey ? safeEqual(hash, hashKey(deps.config.adminApiKey)) : false;
  let owner: { tenantId: string; apiKeyId: string | null } | undefined;
  if (admin) owner = { tenantId: DEFAULT_TENANT_ID, apiKeyId: null };
  else {
    const [row] = await deps.sql<{ tenantId: string; apiKeyId: string }[]>`
      SELECT k.tenant_id AS "tenantId", k.id AS "apiKeyId" FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
      WHERE k.hash = ${hash.toString("hex")} AND k.revoked_at IS NULL AND t.active`;
    owner = row;
  }
  if (!owner) return null;
  const token = randomBytes(32).toString("base64url");
  await deps.sql`DELETE FROM console_sessions WHERE expires_at < now()`;
  await deps.sql`
    INSERT INTO console_sessions (id, token_hash, tenant_id, api_key_id, expires_at)
    VALUES (${uuidv7()}, ${sha256(token)}, ${owner.tenantId}, ${owner.apiKeyId},
            now() + make_interval(hours => ${IDLE_HOURS}))`;
  return { token };
}

/**
 * The live session of this token, slid forward; undefined when expired, signed out, or its API key
 * was revoked or its tenant disabled since (one statement per console request).
 */
async function touchSession(sql: Sql, token: string, adminAllowed: boolean) {
  const [row] = await sql<{ tenantId: string; apiKeyId: string | null; name: string | null }[]>`
    UPDATE console_sessions cs
    SET last_seen_at = now(),
        expires_at = least(now() + make_interval(hours => ${IDLE_HOURS}),
                           cs.created_at + make_interval(days => ${MAX_LIFETIME_DAYS}))
    WHERE cs.token_hash = ${sha256(token)} AND cs.expires_at > now()
      AND CASE WHEN cs.api_key_id IS NULL THEN ${adminAllowed}
               ELSE EXISTS (SELECT 1 FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
                            WHERE k.id = cs.api_key_id AND k.revoked_at IS NULL AND t.active) END
    RETURNING cs.tenant_id AS "tenantId", cs.api_key_id AS "apiKeyId",
              (SELECT name FROM api_keys k WHERE k.id = cs.api_key_id) AS name`;
  return row;
}

export async function signOut(sql: Sql, token: string | undefined): Promise<void> {
  if (token) await sql`DELETE FROM console_sessions WHERE token_hash = ${sha256(token)}`;
}

/** The CSRF token of a session: derived from its cookie token, so nothing else is stored. */
export function csrfToken(token: string): string {
  return createHmac("sha256", token).update("hookbox-console-csrf").digest("base64url");
}

export function setSessionCookie(c: Context, token: string, secure: boolean): void {
  setCookie(c, COOKIE, token, {
    path: CONSOLE_PATH,
    httpOnly: true,
    sameSite: "Strict",
    secure,
    maxAge: MAX_LIFETIME_DAYS * 86_400,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, COOKIE, { path: CONSOLE_PATH });
}

export const sessionToken = (c: Context) => getCookie(c, COOKIE);

/**
 * A state-changing request must come from a console page: same origin by `Sec-Fetch-Site` and
 * `Origin` (when the browser sends them), and — once signed in — the session's CSRF token in the
 * `_csrf` field or the `X-CSRF-Token` header. Anything else is 403 and changes nothing.
 */
export function assertSameOrigin(c: Context, publicUrl: string): void {
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin") throw new AppError("forbidden", "Cross-site request refused.");
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin && origin !== new URL(publicUrl).origin) {
    throw new AppError("forbidden", "Cross-site request refused.");
  }
}

/** Every page behind sign-in: the session → `auth` (the same Auth as /v1) and `csrf`. */
export function requireSession(deps: Pick<ApiDeps, "sql" | "config">) {
  return createMiddleware<ConsoleEnv>(async (c, next) => {
    const changes = c.req.method !== "GET" && c.req.method !== "HEAD";
    // A cross-site POST is refused before anything else, signed in or not.
    if (changes) assertSameOrigin(c, deps.config.publicUrl);
    const token = sessionToken(c);
    const row = token ? await touchSession(deps.sql, token, Boolean(deps.config.adminApiKey)) : undefined;
    if (!token || !row) {
      if (c.req.method === "GET") {
        const back = new URL(c.req.url);
        return c.redirect(`${CONSOLE_PATH}/sign-in?next=${encodeURIComponent(back.pathname + back.search)}`);
      }
      throw new AppError("unauthorized", "Sign in again.");
    }
    const admin = row.apiKeyId === null;
    c.set("auth", { tenantId: row.tenantId, admin, name: admin ? "admin" : `key:${row.name}` });
    c.set("csrf", csrfToken(token));
    if (changes) {
      const sent = c.req.header("x-csrf-token") ?? (await formField(c, "_csrf"));
      if (!sent || !safeEqual(Buffer.from(sent), Buffer.from(c.get("csrf")))) {
        throw new AppError("forbidden", "Missing or wrong CSRF token.");
      }
    }
    return next();
  });
}

async function formField(c: Context, name: string): Promise<string | undefined> {
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")) {
    return undefined;
  }
  const value = (await c.req.parseBody({ all: true }))[name];
  return typeof value === "string" ? value : undefined;
}
