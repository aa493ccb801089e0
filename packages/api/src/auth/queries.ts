import type { Sql } from "@hookbox/shared";

/**
 * The live (unrevoked) API key with this sha256 (hex), marked as used now; undefined when there
 * is none. Runs on every authenticated request, so it is one statement.
 */
export async function touchApiKey(
  sql: Sql,
  hashHex: string,
): Promise<{ tenantId: string; name: string } | undefined> {
  const rows = await sql<{ tenantId: string; name: string }[]>`
      UPDATE api_keys SET last_used_at = now()
      WHERE hash = ${hashHex} AND revoked_at IS NULL
      RETURNING tenant_id AS "tenantId", name`;
  return rows[0];
}
