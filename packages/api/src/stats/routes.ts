import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { commonErrors, json, security } from "../http/openapi-common.ts";
import { validationHook } from "../http/validation.ts";
import { computeStats } from "./queries.ts";

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
      ...json(StatsSchema),
    },
    ...commonErrors,
  },
});

export function statsRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const { since, until } = c.req.valid("query");
    const end = until ? new Date(until) : new Date(deps.now() + 1);
    const start = since ? new Date(since) : new Date(end.getTime() - 86_400_000);
    return c.json(await computeStats(deps.managementSql, c.get("auth").tenantId, start, end), 200);
  });
  return app;
}
