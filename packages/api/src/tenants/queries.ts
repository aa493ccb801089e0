import { uuidv7 } from "@hookbox/shared";
import { type Db, tenants } from "@hookbox/shared/drizzle";
import { desc, lt } from "drizzle-orm";

type TenantRow = typeof tenants.$inferSelect;

export function toTenantView(t: TenantRow) {
  return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString() };
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
