import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { commonErrors, json, notFound, security } from "../http/openapi-common.ts";
import { IdParamSchema } from "../http/schemas.ts";
import { validationHook } from "../http/validation.ts";
import { ingestRoutes } from "../ingest/routes.ts";
import { TestDeliveryAnswerSchema, TestDeliverySchema } from "./schemas.ts";
import { type Ingest, sendTestDelivery } from "./send-test-delivery.ts";

const send = createRoute({
  method: "post",
  path: "/sources/{id}/test-deliveries",
  tags: ["sources"],
  security,
  summary: "Sign a delivery with the source's secret and send it through ingest",
  request: { params: IdParamSchema, body: { ...json(TestDeliverySchema), required: true } },
  responses: {
    200: {
      description:
        "Sent: what the ingest answered (202 accepted, 401 with the rejection's reason, …). The secret is never returned.",
      ...json(TestDeliveryAnswerSchema),
    },
    ...commonErrors,
    ...notFound,
  },
});

/** POST /v1/sources/:id/test-deliveries — what `hookbox trigger` calls (ADR 0009). */
export function testDeliveryRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  // The real ingest route, in process: the delivery takes the path a sender's would.
  const ingestApp = ingestRoutes(deps);
  const ingest: Ingest = async (slug, init) =>
    ingestApp.request(`/in/${slug}`, { method: "POST", headers: init.headers, body: init.body });
  app.openapi(send, async (c) => {
    const answer = await sendTestDelivery(
      deps,
      ingest,
      c.get("auth").tenantId,
      c.req.valid("param").id,
      c.req.valid("json"),
    );
    return c.json(answer, 200);
  });
  return app;
}
