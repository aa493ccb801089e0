import type { Sql } from "@hookbox/shared";

/**
 * The live (unrevoked) API key with this sha256 (hex) of an active tenant, marked as used now;
 * undefined when there is none. Runs on every authenticated request, so it is one statement
 * (and nothing is cached: a revoke or a disable holds from the next request on).
 */
export async function touchApiKey(
  sql: Sql,
  hashHex: string,
): Promise<{ tenantId: string; name: string } | undefined> {
  const rows = await sql<{ tenantId: string; name: string }[]>`
      UPDATE api_keys k SET last_used_at = now()
      FROM tenants t
      WHERE k.hash = ${hashHex} AND k.revoked_at IS NULL AND t.id = k.tenant_id AND t.active
      RETURNING k.tenant_id AS "tenantId", k.name`;
  return rows[0];
}
