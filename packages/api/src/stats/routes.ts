import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { EVENT_STATUSES, eventFilterSql, type Sql } from "@hookbox/shared";
import type { AuthEnv } from "../auth/middleware.ts";
import type { ApiDeps } from "../deps.ts";
import { commonErrors, security } from "../http/openapi-common.ts";
import { validationHook } from "../http/validation.ts";

const Iso = z.iso.datetime({ offset: true });
const StatsQuerySchema = z.object({
  since: Iso.optional().openapi({ description: "Received at or after (default: 24 h ago)." }),
  until: Iso.optional().openapi({ description: "Received before (default: now)." }),
});
const StatsSchema = z
  .object({
    since: z.string(),
    until: z.string(),
    total: z.number(),
    byStatus: z.record(z.string(), z.number()),
    bySource: z.array(z.object({ source: z.string(), count: z.number() })),
    topTypes: z.array(z.object({ type: z.string().nullable(), count: z.number() })),
    firstReceivedAt: z.string().nullable(),
    lastReceivedAt: z.string().nullable(),
    latencyMs: z
      .object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() })
      .openapi({ description: "Ingest → completed, over completed events." }),
  })
  .openapi("Stats");

const route = createRoute({
  method: "get",
  path: "/stats",
  tags: ["stats"],
  security,
  request: { query: StatsQuerySchema },
  responses: {
    200: {
      description: "Counts and latency over a time range, computed in SQL.",
      content: { "application/json": { schema: StatsSchema } },
    },
    ...commonErrors,
  },
});

/**
 * Everything is aggregated by Postgres; no event row is loaded. One read-only snapshot, so the
 * totals and the percentiles describe the same moment.
 */
export async function computeStats(db: Sql, tenantId: string, since: Date, until: Date) {
  const [byStatus, bySource, topTypes, summary] = await db.begin(
    "isolation level repeatable read read only",
    async (sql) => {
      // Aggregates over a long range may take longer than the ingest pool's 2 s statement timeout.
      await sql`SET LOCAL statement_timeout = '30s'`;
      const from = sql`FROM events e JOIN sources s ON s.id = e.source_id WHERE ${eventFilterSql(sql as unknown as Sql, tenantId, { since, until })}`;
      return Promise.all([
        sql<
          { status: string; count: number }[]
        >`SELECT e.status, count(*)::int AS count ${from} GROUP BY e.status`,
        sql<
          { source: string; count: number }[]
        >`SELECT s.slug AS source, count(*)::int AS count ${from} GROUP BY s.slug ORDER BY count DESC, s.slug`,
        sql<{ type: string | null; count: number }[]>`
      SELECT e.event_type AS type, count(*)::int AS count ${from} GROUP BY e.event_type ORDER BY count DESC, e.event_type LIMIT 10`,
        sql<{ first: Date | null; last: Date | null; p: (number | null)[] | null }[]>`
      SELECT min(e.received_at) AS first, max(e.received_at) AS last,
             percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (
               ORDER BY extract(epoch FROM e.completed_at - e.received_at) * 1000
             ) FILTER (WHERE e.status = 'completed') AS p
      ${from}`,
      ]);
    },
  );
  const counts = Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0])) as Record<string, number>;
  for (const row of byStatus) counts[row.status] = row.count;
  const [p50, p95, p99] = summary[0]?.p ?? [null, null, null];
  const round = (v: number | null | undefined) =>
    v === null || v === undefined ? null : Math.round(v * 100) / 100;
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    total: byStatus.reduce((n, r) => n + r.count, 0),
    byStatus: counts,
    bySource,
    topTypes,
    firstReceivedAt: summary[0]?.first?.toISOString() ?? null,
    lastReceivedAt: summary[0]?.last?.toISOString() ?? null,
    latencyMs: { p50: round(p50), p95: round(p95), p99: round(p99) },
  };
}

export function statsRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const { since, until } = c.req.valid("query");
    const end = until ? new Date(until) : new Date(deps.now() + 1);
    const start = since ? new Date(since) : new Date(end.getTime() - 86_400_000);
    return c.json(await computeStats(deps.sql, c.get("auth").tenantId, start, end), 200);
  });
  return app;
}
