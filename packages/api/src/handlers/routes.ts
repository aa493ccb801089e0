import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { isOfferedTo } from "@hookbox/shared";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { commonErrors, json, security } from "../http/openapi-common.ts";
import { validationHook } from "../http/validation.ts";
import { listAttachments } from "./queries.ts";

const HandlerInfoSchema = z
  .object({
    name: z.string(),
    kind: z.enum(["builtin", "code"]),
    provider: z.string().nullable(),
    events: z.array(z.string()).nullable().openapi({ description: "The handler's own event filter." }),
    configSchema: z.unknown().openapi({ description: "JSON Schema of the config, when known." }),
    versions: z
      .array(z.object({ version: z.string(), workers: z.number() }))
      .openapi({ description: "Versions live workers run (several during a rolling deploy)." }),
    loadedByApi: z
      .boolean()
      .openapi({ description: "This api validates its config with the module itself." }),
    attachedTo: z.array(z.object({ sourceId: z.string(), slug: z.string(), key: z.string() })),
  })
  .openapi("HandlerInfo");

const list = createRoute({
  method: "get",
  path: "/handlers",
  tags: ["handlers"],
  security,
  responses: {
    200: {
      description: "The handlers this tenant may attach: built-ins and deployed code handlers.",
      ...json(z.object({ data: z.array(HandlerInfoSchema) }).openapi("HandlerList")),
    },
    ...commonErrors,
  },
});

/** The handlers a tenant may attach, with versions, workers and attachments (GET /v1/handlers, the console). */
export async function describeHandlers(deps: Pick<ApiDeps, "handlers" | "sql">, tenantId: string) {
  const [catalog, manifests, attachments] = await Promise.all([
    deps.handlers.catalog(),
    deps.handlers.manifests(),
    listAttachments(deps.sql, tenantId),
  ]);
  const data = catalog
    .entries()
    .filter((e) => isOfferedTo(e, tenantId))
    .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "builtin" ? -1 : 1))
    .map((e) => {
      const versions = new Map<string, number>();
      for (const m of manifests) {
        const h = m.handlers.find((x) => x.name === e.name);
        if (h) versions.set(h.version, (versions.get(h.version) ?? 0) + 1);
      }
      return {
        name: e.name,
        kind: e.kind,
        provider: e.provider ?? null,
        events: e.events ? [...e.events] : null,
        configSchema: e.configJsonSchema ?? null,
        versions: [...versions].map(([version, workers]) => ({ version, workers })),
        loadedByApi: deps.handlers.local.get(e.name) !== undefined,
        attachedTo: attachments
          .filter((a) => a.name === e.name)
          .map(({ sourceId, slug, key }) => ({ sourceId, slug, key })),
      };
    });
  return data;
}

export function handlerRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  app.openapi(list, async (c) => {
    const data = await describeHandlers(deps, c.get("auth").tenantId);
    return c.json({ data }, 200);
  });
  return app;
}
