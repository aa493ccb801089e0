import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AuthEnv } from "../auth/middleware.ts";
import type { ApiDeps } from "../deps.ts";
import { decodeCursor, page } from "../http/cursor.ts";
import { commonErrors, conflict, notFound, security } from "../http/openapi-common.ts";
import { validationHook } from "../http/validation.ts";
import { createSource, deleteSource, getSource, listSources, toSourceView, updateSource } from "./queries.ts";
import {
  CreateSourceSchema,
  IdParamSchema,
  ListQuerySchema,
  SourceListSchema,
  SourceSchema,
  UpdateSourceSchema,
} from "./schemas.ts";

const json = <T>(schema: T) => ({ content: { "application/json": { schema } } });
const tags = ["sources"];

const create = createRoute({
  method: "post",
  path: "/sources",
  tags,
  security,
  request: { body: { ...json(CreateSourceSchema), required: true } },
  responses: {
    201: { description: "Created; `secret` is shown this once.", ...json(SourceSchema) },
    ...commonErrors,
    ...conflict,
  },
});
const list = createRoute({
  method: "get",
  path: "/sources",
  tags,
  security,
  request: { query: ListQuerySchema },
  responses: { 200: { description: "Sources, newest first.", ...json(SourceListSchema) }, ...commonErrors },
});
const get = createRoute({
  method: "get",
  path: "/sources/{id}",
  tags,
  security,
  request: { params: IdParamSchema },
  responses: { 200: { description: "The source.", ...json(SourceSchema) }, ...commonErrors, ...notFound },
});
const patch = createRoute({
  method: "patch",
  path: "/sources/{id}",
  tags,
  security,
  request: { params: IdParamSchema, body: { ...json(UpdateSourceSchema), required: true } },
  responses: {
    200: { description: "Updated.", ...json(SourceSchema) },
    ...commonErrors,
    ...notFound,
    ...conflict,
  },
});
const remove = createRoute({
  method: "delete",
  path: "/sources/{id}",
  tags,
  security,
  request: { params: IdParamSchema },
  responses: { 204: { description: "Deleted; its events are kept." }, ...commonErrors, ...notFound },
});

export function sourceRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  const view = (row: Parameters<typeof toSourceView>[0], secret?: string) =>
    toSourceView(row, deps.config.publicUrl, deps.config.maxBodyBytes, secret);

  app.openapi(create, async (c) => {
    const { row, secret } = await createSource(deps.db, c.get("auth").tenantId, c.req.valid("json"));
    deps.sources.invalidate(row.slug);
    return c.json(view(row, secret), 201);
  });
  app.openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listSources(deps.db, c.get("auth").tenantId, limit, decodeCursor(cursor));
    const { data, nextCursor } = page(rows, limit);
    return c.json({ data: data.map((r) => view(r)), nextCursor }, 200);
  });
  app.openapi(get, async (c) => {
    const row = await getSource(deps.db, c.get("auth").tenantId, c.req.valid("param").id);
    return c.json(view(row), 200);
  });
  app.openapi(patch, async (c) => {
    const { tenantId } = c.get("auth");
    const { id } = c.req.valid("param");
    const before = await getSource(deps.db, tenantId, id);
    const row = await updateSource(deps.db, tenantId, id, c.req.valid("json"));
    deps.sources.invalidate(before.slug);
    deps.sources.invalidate(row.slug);
    return c.json(view(row), 200);
  });
  app.openapi(remove, async (c) => {
    const row = await deleteSource(deps.db, c.get("auth").tenantId, c.req.valid("param").id);
    deps.sources.invalidate(row.slug);
    return c.body(null, 204);
  });
  return app;
}
