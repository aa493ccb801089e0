import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { AppError } from "@hookbox/shared";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { decodeCursor, page } from "../http/cursor.ts";
import { commonErrors, conflict, json, notFound, security } from "../http/openapi-common.ts";
import { IdParamSchema } from "../http/schemas.ts";
import { describeIssues, validationHook } from "../http/validation.ts";
import { getEvent, listEvents } from "./queries.ts";
import { replayEvent, startBulkReplay, toEventFilter } from "./replay.ts";
import {
  BulkReplayAnswerSchema,
  BulkReplaySchema,
  EventListQuerySchema,
  EventListSchema,
  EventSchema,
  ReplayAnswerSchema,
  ReplayOneSchema,
} from "./schemas.ts";

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
/**
 * The body is optional (`{handlers?}`), and older clients POST with `Content-Type: application/json`
 * and no body at all: so the route is documented here and parsed by hand (the validator would
 * refuse an empty JSON body).
 */
const replayOneDoc = {
  method: "post" as const,
  path: "/events/{id}/replay",
  tags,
  security,
  summary: "Replay one settled event",
  request: { params: IdParamSchema, body: { ...json(ReplayOneSchema), required: false } },
  responses: {
    202: {
      description:
        "Queued again as a new run: the chosen handler keys, else (dead) the keys that had not succeeded, else every key.",
      ...json(ReplayAnswerSchema),
    },
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
};
const replayMany = createRoute({
  method: "post",
  path: "/events/replay",
  tags,
  security,
  request: { body: { ...json(BulkReplaySchema), required: true } },
  responses: { 202: { description: "Replay started.", ...json(BulkReplayAnswerSchema) }, ...commonErrors },
});

export function eventRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  app.openapi(list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid("query");
    const rows = await listEvents(
      deps.managementSql,
      c.get("auth").tenantId,
      toEventFilter(filter),
      limit,
      decodeCursor(cursor),
    );
    return c.json(page(rows, limit), 200);
  });
  app.openapi(get, async (c) => {
    return c.json(await getEvent(deps.sql, c.get("auth").tenantId, c.req.valid("param").id), 200);
  });
  app.openapi(replayMany, async (c) => {
    return c.json(await startBulkReplay(deps, c.get("auth").tenantId, c.req.valid("json")), 202);
  });
  app.openAPIRegistry.registerPath(replayOneDoc);
  app.post("/events/:id/replay", async (c) => {
    const id = IdParamSchema.safeParse({ id: c.req.param("id") });
    const text = await c.req.text();
    let raw: unknown = {};
    try {
      raw = text.trim() ? JSON.parse(text) : {};
    } catch {
      throw new AppError("bad_request", "The request is invalid.", { problems: ["(body): not JSON"] });
    }
    const body = ReplayOneSchema.safeParse(raw);
    if (!id.success || !body.success) {
      const issues = [...(id.error?.issues ?? []), ...(body.error?.issues ?? [])];
      throw new AppError("bad_request", "The request is invalid.", { problems: describeIssues(issues) });
    }
    return c.json(await replayEvent(deps, c.get("auth").tenantId, id.data.id, body.data.handlers), 202);
  });
  return app;
}
