import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ApiDeps } from "../deps.ts";
import { type AuthEnv, requireAdmin } from "../http/caller.ts";
import { decodeCursor, page } from "../http/cursor.ts";
import { commonErrors, forbidden, json, notFound, security } from "../http/openapi-common.ts";
import { IdParamSchema, ListQuerySchema } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { createTenant, listTenants, toTenantView, updateTenant } from "./queries.ts";

const TenantSchema = z
  .object({ id: z.uuid(), name: z.string(), active: z.boolean(), createdAt: z.string() })
  .openapi("Tenant");
const CreateTenantSchema = z
  .object({ name: z.string().min(1).max(200) })
  .strict()
  .openapi("CreateTenant");
const UpdateTenantSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    active: z.boolean().optional().openapi({
      description:
        "false disables the tenant: its API keys answer 401, its sources 404 at ingest, its console sessions end. true re-enables it.",
    }),
  })
  .strict()
  .openapi("UpdateTenant");
const tags = ["tenants"];

const create = createRoute({
  method: "post",
  path: "/tenants",
  tags,
  security,
  description: "Admin key only.",
  request: { body: { ...json(CreateTenantSchema), required: true } },
  responses: { 201: { description: "Created.", ...json(TenantSchema) }, ...commonErrors, ...forbidden },
});
const list = createRoute({
  method: "get",
  path: "/tenants",
  tags,
  security,
  description: "Admin key only.",
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "Tenants, newest first.",
      ...json(z.object({ data: z.array(TenantSchema), nextCursor: z.string().nullable() })),
    },
    ...commonErrors,
    ...forbidden,
  },
});

const update = createRoute({
  method: "patch",
  path: "/tenants/{id}",
  tags,
  security,
  description: "Admin key only.",
  request: { params: IdParamSchema, body: { ...json(UpdateTenantSchema), required: true } },
  responses: {
    200: { description: "Updated.", ...json(TenantSchema) },
    ...commonErrors,
    ...forbidden,
    ...notFound,
  },
});

export function tenantRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  app.openapi(create, async (c) => {
    requireAdmin(c.get("auth"));
    const row = await createTenant(deps.db, c.req.valid("json").name);
    return c.json(toTenantView(row), 201);
  });
  app.openapi(list, async (c) => {
    requireAdmin(c.get("auth"));
    const { limit, cursor } = c.req.valid("query");
    const rows = await listTenants(deps.db, limit, decodeCursor(cursor));
    return c.json(page(rows.map(toTenantView), limit), 200);
  });
  app.openapi(update, async (c) => {
    requireAdmin(c.get("auth"));
    const row = await updateTenant(deps.db, c.req.valid("param").id, c.req.valid("json"));
    // This process's cached sources of the tenant stop answering at once; other replicas within the cache's TTL.
    deps.sources.invalidate();
    return c.json(toTenantView(row), 200);
  });
  return app;
}
