import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { secretBoxOf } from "@hookbox/shared";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { decodeCursor, page } from "../http/cursor.ts";
import { commonErrors, conflict, json, notFound, security } from "../http/openapi-common.ts";
import { IdParamSchema, ListQuerySchema } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import {
  createSource,
  deleteSource,
  getSource,
  listRejections,
  listSources,
  rotateForwardSecret,
  rotateSecret,
  toSourceView,
  updateSource,
} from "./queries.ts";
import { sourceRules } from "./rules.ts";
import {
  CreateSourceSchema,
  RejectionListSchema,
  RotatedForwardSecretSchema,
  RotatedSecretSchema,
  RotateForwardSecretSchema,
  RotateSecretSchema,
  SourceListSchema,
  SourceSchema,
  UpdateSourceSchema,
} from "./schemas.ts";

const tags = ["sources"];

const create = createRoute({
  method: "post",
  path: "/sources",
  tags,
  security,
  request: { body: { ...json(CreateSourceSchema), required: true } },
  responses: {
    201: {
      description: "Created; `secret` and `forwardSecret` are shown this once.",
      ...json(SourceSchema),
    },
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

const rotate = createRoute({
  method: "post",
  path: "/sources/{id}/secrets",
  tags,
  security,
  request: { params: IdParamSchema, body: { ...json(RotateSecretSchema), required: true } },
  responses: {
    201: {
      description: "New secret (shown this once); previous ones verify until previousExpireAt.",
      ...json(RotatedSecretSchema),
    },
    ...commonErrors,
    ...notFound,
  },
});
const rotateForward = createRoute({
  method: "post",
  path: "/sources/{id}/forward-secret",
  tags,
  security,
  request: { params: IdParamSchema, body: { ...json(RotateForwardSecretSchema), required: true } },
  responses: {
    201: {
      description: "New forward signing secret (shown this once); previous ones sign until previousExpireAt.",
      ...json(RotatedForwardSecretSchema),
    },
    ...commonErrors,
    ...notFound,
  },
});
const rejectionList = createRoute({
  method: "get",
  path: "/sources/{id}/rejections",
  tags,
  security,
  request: { params: IdParamSchema, query: ListQuerySchema },
  responses: {
    200: {
      description: "Deliveries refused with 401 or 413, newest first (bounded log).",
      ...json(RejectionListSchema),
    },
    ...commonErrors,
    ...notFound,
  },
});

export function sourceRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  const view = (row: Parameters<typeof toSourceView>[0], secret?: string, forwardSecret?: string) =>
    toSourceView(row, deps.config.publicUrl, deps.config.maxBodyBytes, secret, forwardSecret);
  const box = secretBoxOf(deps.config);

  app.openapi(create, async (c) => {
    const { row, secret, forwardSecret } = await createSource(
      deps.db,
      c.get("auth").tenantId,
      c.req.valid("json"),
      await sourceRules(deps),
    );
    deps.sources.invalidate(row.slug);
    return c.json(view(row, secret, forwardSecret), 201);
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
    const row = await updateSource(deps.db, tenantId, id, c.req.valid("json"), {
      ...(await sourceRules(deps)),
      scheme: before.scheme,
      storedHandlers: before.handlers,
    });
    deps.sources.invalidate(before.slug);
    deps.sources.invalidate(row.slug);
    return c.json(view(row), 200);
  });
  app.openapi(remove, async (c) => {
    const row = await deleteSource(deps.db, c.get("auth").tenantId, c.req.valid("param").id);
    deps.sources.invalidate(row.slug);
    return c.body(null, 204);
  });
  app.openapi(rotate, async (c) => {
    const rotated = await rotateSecret(
      deps.db,
      c.get("auth").tenantId,
      c.req.valid("param").id,
      c.req.valid("json"),
      box,
    );
    deps.sources.invalidate(rotated.slug);
    const { slug: _slug, ...answer } = rotated;
    return c.json(answer, 201);
  });
  // The forward handler reads the signing secrets with the event (not through the ingest cache).
  app.openapi(rotateForward, async (c) => {
    const { tenantId } = c.get("auth");
    const { id } = c.req.valid("param");
    return c.json(await rotateForwardSecret(deps.db, tenantId, id, c.req.valid("json"), box), 201);
  });
  app.openapi(rejectionList, async (c) => {
    const source = await getSource(deps.db, c.get("auth").tenantId, c.req.valid("param").id);
    const { limit, cursor } = c.req.valid("query");
    return c.json(page(await listRejections(deps.db, source.id, limit, decodeCursor(cursor)), limit), 200);
  });
  return app;
}
