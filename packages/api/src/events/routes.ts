import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AuthEnv } from "../auth/middleware.ts";
import type { ApiDeps } from "../deps.ts";
import { decodeCursor, page } from "../http/cursor.ts";
import { commonErrors, notFound, security } from "../http/openapi-common.ts";
import { validationHook } from "../http/validation.ts";
import { IdParamSchema } from "../sources/schemas.ts";
import { getEvent, listEvents } from "./queries.ts";
import { EventListQuerySchema, EventListSchema, EventSchema } from "./schemas.ts";

const json = <T>(schema: T) => ({ content: { "application/json": { schema } } });
const tags = ["events"];

const list = createRoute({
  method: "get",
  path: "/events",
  tags,
  security,
  request: { query: EventListQuerySchema },
  responses: { 200: { description: "Events, newest first.", ...json(EventListSchema) }, ...commonErrors },
});
const get = createRoute({
  method: "get",
  path: "/events/{id}",
  tags,
  security,
  request: { params: IdParamSchema },
  responses: {
    200: { description: "The event with its attempts, redacted headers and body.", ...json(EventSchema) },
    ...commonErrors,
    ...notFound,
  },
});

export function eventRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  app.openapi(list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid("query");
    const rows = await listEvents(deps.db, c.get("auth").tenantId, filter, limit, decodeCursor(cursor));
    return c.json(page(rows, limit), 200);
  });
  app.openapi(get, async (c) => {
    return c.json(await getEvent(deps.db, c.get("auth").tenantId, c.req.valid("param").id), 200);
  });
  return app;
}
