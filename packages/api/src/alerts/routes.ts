import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "@hookbox/shared";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { decodeCursor, page } from "../http/cursor.ts";
import { commonErrors, json, notFound, security } from "../http/openapi-common.ts";
import { IdParamSchema, ListQuerySchema } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { acknowledgeAlerts, getAlert, listAlerts, toAlertView } from "./queries.ts";

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
  ...ListQuerySchema.shape,
});
const AckManySchema = z
  .object({ ids: z.array(z.uuid()).min(1).max(1000) })
  .strict()
  .openapi("AckAlerts");
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

export function alertRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  const { sql } = deps;
  app.openapi(list, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const rows = await listAlerts(sql, c.get("auth").tenantId, status, limit, decodeCursor(cursor));
    const { data, nextCursor } = page(rows, limit);
    return c.json({ data: data.map(toAlertView), nextCursor }, 200);
  });
  app.openapi(ackMany, async (c) => {
    const auth = c.get("auth");
    return c.json(
      { acknowledged: await acknowledgeAlerts(sql, auth.tenantId, c.req.valid("json").ids, auth.name) },
      200,
    );
  });
  app.openapi(ackOne, async (c) => {
    const auth = c.get("auth");
    const { id } = c.req.valid("param");
    await acknowledgeAlerts(sql, auth.tenantId, [id], auth.name);
    const row = await getAlert(sql, auth.tenantId, id);
    if (!row) throw new AppError("not_found", "No such alert.");
    return c.json(toAlertView(row), 200);
  });
  return app;
}
