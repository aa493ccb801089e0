import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "@hookbox/shared";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { decodeCursor, page } from "../http/cursor.ts";
import { commonErrors, json, notFound, security } from "../http/openapi-common.ts";
import { IdParamSchema, ListQuerySchema } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { createApiKey, listApiKeys, revokeApiKey, toApiKeyView } from "./queries.ts";

const ApiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    tenantId: z.uuid(),
    prefix: z.string(),
    key: z.string().optional().openapi({ description: "Only in the answer to create." }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("ApiKey");
const CreateApiKeySchema = z
  .object({
    name: z.string().min(1).max(200),
    tenantId: z
      .uuid()
      .optional()
      .openapi({ description: "Admin key only: create a key for another tenant." }),
  })
  .strict()
  .openapi("CreateApiKey");
const ListKeysQuerySchema = ListQuerySchema.extend({
  tenantId: z.uuid().optional().openapi({ description: "Admin key only." }),
});
const tags = ["api-keys"];

const create = createRoute({
  method: "post",
  path: "/api-keys",
  tags,
  security,
  request: { body: { ...json(CreateApiKeySchema), required: true } },
  responses: {
    201: { description: "Created; `key` is shown this once.", ...json(ApiKeySchema) },
    ...commonErrors,
    ...notFound,
  },
});
const list = createRoute({
  method: "get",
  path: "/api-keys",
  tags,
  security,
  request: { query: ListKeysQuerySchema },
  responses: {
    200: {
      description: "Live keys of the tenant, newest first.",
      ...json(z.object({ data: z.array(ApiKeySchema), nextCursor: z.string().nullable() })),
    },
    ...commonErrors,
  },
});
const remove = createRoute({
  method: "delete",
  path: "/api-keys/{id}",
  tags,
  security,
  request: { params: IdParamSchema },
  responses: {
    204: {
      description:
        "Revoked: refused from the next request on. The admin key may revoke any tenant's key. Keys it created keep working (keys belong to the tenant).",
    },
    ...commonErrors,
    ...notFound,
  },
});

/** Which tenant a call acts on: its own, or (admin only) the one it names. */
function targetTenant(auth: AuthEnv["Variables"]["auth"], requested: string | undefined): string {
  if (requested === undefined || requested === auth.tenantId) return auth.tenantId;
  if (!auth.admin) throw new AppError("not_found", "No such tenant.");
  return requested;
}

export function apiKeyRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  app.openapi(create, async (c) => {
    const { name, tenantId } = c.req.valid("json");
    const { row, key } = await createApiKey(deps.db, targetTenant(c.get("auth"), tenantId), name);
    return c.json(toApiKeyView(row, key), 201);
  });
  app.openapi(list, async (c) => {
    const { limit, cursor, tenantId } = c.req.valid("query");
    const rows = await listApiKeys(
      deps.db,
      targetTenant(c.get("auth"), tenantId),
      limit,
      decodeCursor(cursor),
    );
    const { data, nextCursor } = page(rows, limit);
    return c.json({ data: data.map((r) => toApiKeyView(r)), nextCursor }, 200);
  });
  app.openapi(remove, async (c) => {
    const auth = c.get("auth");
    await revokeApiKey(deps.db, auth.admin ? null : auth.tenantId, c.req.valid("param").id);
    return c.body(null, 204);
  });
  return app;
}
