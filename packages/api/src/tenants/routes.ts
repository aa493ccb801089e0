import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError, uuidv7 } from "@hookbox/shared";
import { tenants } from "@hookbox/shared/drizzle";
import { desc, lt } from "drizzle-orm";
import type { Auth, AuthEnv } from "../auth/middleware.ts";
import type { ApiDeps } from "../deps.ts";
import { decodeCursor, page } from "../http/cursor.ts";
import { commonErrors, forbidden, security } from "../http/openapi-common.ts";
import { validationHook } from "../http/validation.ts";
import { ListQuerySchema } from "../sources/schemas.ts";

const TenantSchema = z.object({ id: z.uuid(), name: z.string(), createdAt: z.string() }).openapi("Tenant");
const CreateTenantSchema = z
  .object({ name: z.string().min(1).max(200) })
  .strict()
  .openapi("CreateTenant");
const json = <T>(schema: T) => ({ content: { "application/json": { schema } } });
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

export function requireAdmin(auth: Auth): void {
  if (!auth.admin) throw new AppError("forbidden", "Only the admin key may do this.");
}

const view = (t: typeof tenants.$inferSelect) => ({
  id: t.id,
  name: t.name,
  createdAt: t.createdAt.toISOString(),
});

export function tenantRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  app.openapi(create, async (c) => {
    requireAdmin(c.get("auth"));
    const [row] = await deps.db
      .insert(tenants)
      .values({ id: uuidv7(), name: c.req.valid("json").name })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return c.json(view(row), 201);
  });
  app.openapi(list, async (c) => {
    requireAdmin(c.get("auth"));
    const { limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const rows = await deps.db
      .select()
      .from(tenants)
      .where(after ? lt(tenants.id, after) : undefined)
      .orderBy(desc(tenants.id))
      .limit(limit + 1);
    return c.json(page(rows.map(view), limit), 200);
  });
  return app;
}
