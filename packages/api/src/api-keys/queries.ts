import { randomBytes } from "node:crypto";
import { AppError, uuidv7 } from "@hookbox/shared";
import { apiKeys, type Db, tenants } from "@hookbox/shared/drizzle";
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import { hashKey } from "../http/hash-key.ts";

type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Characters of the key kept (and shown) to tell keys apart; the rest is never stored. */
const PREFIX_LENGTH = 12;

export function toApiKeyView(row: ApiKeyRow, key?: string) {
  return {
    id: row.id,
    name: row.name,
    tenantId: row.tenantId,
    prefix: row.prefix,
    ...(key !== undefined ? { key } : {}),
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

/** A new key `hbk_<43 random characters>`: only its sha256 and its prefix are stored. */
export async function createApiKey(db: Db, tenantId: string, name: string) {
  const [tenant] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) throw new AppError("not_found", "No such tenant.");
  const key = `hbk_${randomBytes(32).toString("base64url")}`;
  const [row] = await db
    .insert(apiKeys)
    .values({
      id: uuidv7(),
      tenantId,
      name,
      prefix: key.slice(0, PREFIX_LENGTH),
      hash: hashKey(key).toString("hex"),
    })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return { row, key };
}

export async function listApiKeys(db: Db, tenantId: string, limit: number, cursor: string | undefined) {
  return db
    .select()
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.tenantId, tenantId),
        isNull(apiKeys.revokedAt),
        cursor ? lt(apiKeys.id, cursor) : undefined,
      ),
    )
    .orderBy(desc(apiKeys.id))
    .limit(limit + 1);
}

/**
 * Revokes the key (of `tenantId`, or of any tenant when null: the admin key); authentication reads
 * the row on every request, so it is refused at once. Keys belong to the tenant, not to the key
 * that created them: revoking a key leaves the keys it created working.
 */
export async function revokeApiKey(db: Db, tenantId: string | null, id: string): Promise<void> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiKeys.id, id),
        tenantId === null ? undefined : eq(apiKeys.tenantId, tenantId),
        isNull(apiKeys.revokedAt),
      ),
    )
    .returning({ id: apiKeys.id });
  if (rows.length === 0) throw new AppError("not_found", "No such API key.");
}
