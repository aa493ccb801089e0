import { AppError, DEFAULT_TENANT_ID, uuidv7 } from "@hookbox/shared";
import { consoleSessions, type Db, tenants } from "@hookbox/shared/drizzle";
import { desc, eq, lt } from "drizzle-orm";

type TenantRow = typeof tenants.$inferSelect;

export function toTenantView(t: TenantRow) {
  return { id: t.id, name: t.name, active: t.active, createdAt: t.createdAt.toISOString() };
}

export async function createTenant(db: Db, name: string): Promise<TenantRow> {
  const [row] = await db.insert(tenants).values({ id: uuidv7(), name }).returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** Newest first, keyset on the time-ordered id (`limit + 1` rows: see http/cursor's page()). */
export async function listTenants(db: Db, limit: number, cursor: string | undefined): Promise<TenantRow[]> {
  return db
    .select()
    .from(tenants)
    .where(cursor ? lt(tenants.id, cursor) : undefined)
    .orderBy(desc(tenants.id))
    .limit(limit + 1);
}

/**
 * Renames, disables or re-enables a tenant. A disabled tenant's API keys answer 401 and its
 * sources 404 (authentication and ingest's source lookup read `tenants.active`); its console
 * sessions are deleted here, so re-enabling does not bring them back. The default tenant holds
 * the admin key's own rows and cannot be disabled.
 */
export async function updateTenant(
  db: Db,
  id: string,
  input: { name?: string | undefined; active?: boolean | undefined },
): Promise<TenantRow> {
  if (id === DEFAULT_TENANT_ID && input.active === false) {
    throw new AppError("bad_request", "The default tenant (the admin key's) cannot be disabled.");
  }
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(tenants)
      .set({ name: input.name, active: input.active })
      .where(eq(tenants.id, id))
      .returning();
    if (!row) throw new AppError("not_found", "No such tenant.");
    if (input.active === false) await tx.delete(consoleSessions).where(eq(consoleSessions.tenantId, id));
    return row;
  });
}
