import { z } from "@hono/zod-openapi";

/** `/{id}` of every resource: ids are uuids. */
export const IdParamSchema = z.object({ id: z.uuid() });

/** Keyset pagination of every list: `limit` (1..100, default 50) and the previous page's cursor. */
export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().optional(),
});
