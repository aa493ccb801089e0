import type { Sql } from "@hookbox/shared";

/** The reason the rejection log gives for the test delivery marked `deliveryId`, if it is written yet. */
export async function findRejectionReason(
  sql: Sql,
  sourceId: string,
  markerHeader: string,
  deliveryId: string,
): Promise<string | null> {
  const [row] = await sql<{ reason: string }[]>`
    SELECT reason FROM rejections WHERE source_id = ${sourceId} AND headers->>${markerHeader} = ${deliveryId}`;
  return row?.reason ?? null;
}
