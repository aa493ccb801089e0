import { AppError } from "@hookbox/shared";
import { type Db, slugReservations } from "@hookbox/shared/drizzle";
import { sql } from "drizzle-orm";

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * Reserves `slug` for the tenant for good, or a 409 when another tenant ever used it: ingest
 * resolves by slug alone, and a sender (Stripe, GitHub…) keeps posting to a URL long after its
 * source was deleted or renamed, so handing the slug to someone else would hand them those
 * deliveries (and the `hookbox.<slug>.…` completion channels). The no-op update locks the
 * reservation row, so two tenants racing for a new slug cannot both win.
 */
export async function reserveSlug(tx: Tx, tenantId: string, slug: string): Promise<void> {
  const [owner] = await tx
    .insert(slugReservations)
    .values({ slug, tenantId })
    .onConflictDoUpdate({ target: slugReservations.slug, set: { slug: sql`excluded.slug` } })
    .returning({ tenantId: slugReservations.tenantId });
  if (owner?.tenantId !== tenantId) {
    throw new AppError(
      "conflict",
      `The slug "${slug}" is taken: it belongs to another tenant (slugs are never reused across tenants). Choose another slug.`,
    );
  }
}
