import {
  boundedQuery,
  type HandlerSpec,
  openSecretList,
  type Scheme,
  type SecretBox,
  type SourceSecret,
  type Sql,
  type ValueRule,
} from "@hookbox/shared";
import { INGEST_QUERY_TIMEOUT_MS } from "./persist.ts";

/** What ingest needs to know about a source. */
export interface IngestSource {
  id: string;
  tenantId: string;
  slug: string;
  scheme: Scheme;
  /** Opened (plaintext): the cache holds them in memory only; at rest they are sealed. */
  secrets: SourceSecret[];
  toleranceSeconds: number;
  idempotencyRule: ValueRule | null;
  eventTypeRule: ValueRule | null;
  handlers: HandlerSpec[];
  maxBodyBytes: number | null;
  rateLimitPerSecond: number | null;
  /** The source's and its tenant's: a disabled tenant's sources answer 404. */
  active: boolean;
}

export interface SourceCache {
  /** The live source with this slug, or null. Throws when Postgres is unreachable. */
  get(slug: string): Promise<IngestSource | null>;
  /** Forget one slug (after a change made by this process) or everything. */
  invalidate(slug?: string): void;
}

/**
 * In-memory cache of sources by slug. Entries live `ttlMs`, so a change made through another
 * api replica is seen within that time; changes made here invalidate at once.
 */
export function createSourceCache(sql: Sql, box: SecretBox, ttlMs = 2_000): SourceCache {
  const entries = new Map<string, { source: Promise<IngestSource | null>; expires: number }>();
  return {
    get(slug) {
      const now = Date.now();
      const hit = entries.get(slug);
      if (hit && hit.expires > now) return hit.source;
      const source = loadSource(sql, box, slug);
      entries.set(slug, { source, expires: now + ttlMs });
      // A failed load (Postgres away) must not be cached.
      source.then(
        (value) => {
          // Unknown slugs are not cached: the map stays bounded by the number of real sources.
          if (value === null) entries.delete(slug);
        },
        () => entries.delete(slug),
      );
      return source;
    },
    invalidate(slug) {
      if (slug === undefined) entries.clear();
      else entries.delete(slug);
    },
  };
}

async function loadSource(sql: Sql, box: SecretBox, slug: string): Promise<IngestSource | null> {
  const rows = await boundedQuery(
    sql<IngestSource[]>`
    SELECT s.id, s.tenant_id AS "tenantId", s.slug, s.scheme, s.secrets, s.tolerance_seconds AS "toleranceSeconds",
           s.idempotency_rule AS "idempotencyRule", s.event_type_rule AS "eventTypeRule", s.handlers,
           s.max_body_bytes AS "maxBodyBytes", s.rate_limit_per_second AS "rateLimitPerSecond",
           s.active AND t.active AS active
    FROM sources s JOIN tenants t ON t.id = s.tenant_id
    WHERE s.slug = ${slug} AND s.deleted_at IS NULL`,
    INGEST_QUERY_TIMEOUT_MS,
  );
  const row = rows[0];
  return row ? { ...row, secrets: openSecretList(box, row.secrets) } : null;
}
