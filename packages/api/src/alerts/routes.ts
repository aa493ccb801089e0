import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError, type Sql } from "@hookbox/shared";
import type { AuthEnv } from "../auth/middleware.ts";
import type { ApiDeps } from "../deps.ts";
import { decodeCursor, page } from "../http/cursor.ts";
import { commonErrors, notFound, security } from "../http/openapi-common.ts";
import { validationHook } from "../http/validation.ts";
import { IdParamSchema } from "../sources/schemas.ts";

const AlertSchema = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    eventId: z.uuid().nullable(),
    source: z.string().nullable(),
    message: z.string(),
    createdAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: z.string().nullable(),
  })
  .openapi("Alert");
const AlertListQuerySchema = z.object({
  status: z.enum(["open", "acknowledged"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().optional(),
});
const AckManySchema = z
  .object({ ids: z.array(z.uuid()).min(1).max(1000) })
  .strict()
  .openapi("AckAlerts");
const json = <T>(schema: T) => ({ content: { "application/json": { schema } } });
const tags = ["alerts"];

const list = createRoute({
  method: "get",
  path: "/alerts",
  tags,
  security,
  request: { query: AlertListQuerySchema },
  responses: {
    200: {
      description: "Alerts, newest first.",
      ...json(z.object({ data: z.array(AlertSchema), nextCursor: z.string().nullable() })),
    },
    ...commonErrors,
  },
});
const ackOne = createRoute({
  method: "post",
  path: "/alerts/{id}/ack",
  tags,
  security,
  request: { params: IdParamSchema },
  responses: {
    200: { description: "Acknowledged (idempotent).", ...json(AlertSchema) },
    ...commonErrors,
    ...notFound,
  },
});
const ackMany = createRoute({
  method: "post",
  path: "/alerts/ack",
  tags,
  security,
  request: { body: { ...json(AckManySchema), required: true } },
  responses: {
    200: {
      description: "How many open alerts of the tenant were acknowledged.",
      ...json(z.object({ acknowledged: z.number() })),
    },
    ...commonErrors,
  },
});

interface AlertRow {
  id: string;
  kind: string;
  eventId: string | null;
  source: string | null;
  message: string;
  createdAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
}

const view = (r: AlertRow) => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
});

const columns = (sql: Sql) => sql`
  a.id, a.kind, a.event_id AS "eventId", s.slug AS source, a.message, a.created_at AS "createdAt",
  a.acknowledged_at AS "acknowledgedAt", a.acknowledged_by AS "acknowledgedBy"`;

/** Acknowledges open alerts of the tenant among `ids`; returns how many changed. */
async function acknowledge(sql: Sql, tenantId: string, ids: string[], by: string): Promise<number> {
  const rows = await sql`
    UPDATE alerts SET acknowledged_at = now(), acknowledged_by = ${by}
    WHERE id = ANY(${sql.array(ids)}::uuid[]) AND tenant_id = ${tenantId} AND acknowledged_at IS NULL
    RETURNING id`;
  return rows.length;
}

export function alertRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  const { sql } = deps;
  app.openapi(list, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const rows = await sql<AlertRow[]>`
      SELECT ${columns(sql)} FROM alerts a LEFT JOIN sources s ON s.id = a.source_id
      WHERE a.tenant_id = ${c.get("auth").tenantId}
        ${status === "open" ? sql`AND a.acknowledged_at IS NULL` : status === "acknowledged" ? sql`AND a.acknowledged_at IS NOT NULL` : sql``}
        ${after ? sql`AND a.id < ${after}` : sql``}
      ORDER BY a.id DESC LIMIT ${limit + 1}`;
    const { data, nextCursor } = page(rows, limit);
    return c.json({ data: data.map(view), nextCursor }, 200);
  });
  app.openapi(ackMany, async (c) => {
    const auth = c.get("auth");
    return c.json(
      { acknowledged: await acknowledge(sql, auth.tenantId, c.req.valid("json").ids, auth.name) },
      200,
    );
  });
  app.openapi(ackOne, async (c) => {
    const auth = c.get("auth");
    const { id } = c.req.valid("param");
    await acknowledge(sql, auth.tenantId, [id], auth.name);
    const [row] = await sql<AlertRow[]>`
      SELECT ${columns(sql)} FROM alerts a LEFT JOIN sources s ON s.id = a.source_id
      WHERE a.id = ${id} AND a.tenant_id = ${auth.tenantId}`;
    if (!row) throw new AppError("not_found", "No such alert.");
    return c.json(view(row), 200);
  });
  return app;
}
