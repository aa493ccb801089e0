import { type HandlerSpec, handlerKeyOf, type Sql } from "@hookbox/shared";

export interface Attachment {
  sourceId: string;
  slug: string;
  key: string;
  name: string;
}

/** Every handler attachment of the tenant's live sources (for "where is this handler attached"). */
export async function listAttachments(sql: Sql, tenantId: string): Promise<Attachment[]> {
  const rows = await sql<{ id: string; slug: string; handlers: HandlerSpec[] }[]>`
    SELECT id, slug, handlers FROM sources WHERE tenant_id = ${tenantId} AND deleted_at IS NULL ORDER BY slug`;
  return rows.flatMap((r) =>
    r.handlers.map((h) => ({ sourceId: r.id, slug: r.slug, key: handlerKeyOf(h), name: h.name })),
  );
}
