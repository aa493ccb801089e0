import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ApiDeps } from "../deps.ts";
import { type AuthEnv, requireAdmin } from "../http/caller.ts";
import { decodeCursor, page } from "../http/cursor.ts";
import { commonErrors, forbidden, json, security } from "../http/openapi-common.ts";
import { ListQuerySchema } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { createTenant, listTenants, toTenantView } from "./queries.ts";

const TenantSchema = z.object({ id: z.uuid(), name: z.string(), createdAt: z.string() }).openapi("Tenant");
const CreateTenantSchema = z
  .object({ name: z.string().min(1).max(200) })
  .strict()
  .openapi("CreateTenant");
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
  return app;
}
