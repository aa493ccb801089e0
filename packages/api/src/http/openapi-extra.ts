import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import { problem, security } from "./openapi-common.ts";

/**
 * Routes served by plain Hono handlers (they read the raw body or stream), described here so
 * the OpenAPI document lists every route with its error answers.
 */
// biome-ignore lint/suspicious/noExplicitAny: any app env
export function registerPlainRoutes(app: OpenAPIHono<any>): void {
  const accepted = z
    .object({ id: z.uuid(), status: z.enum(["queued", "received"]), duplicate: z.literal(false) })
    .openapi("Accepted");
  const duplicate = z
    .object({ id: z.uuid(), status: z.string(), duplicate: z.literal(true) })
    .openapi("Duplicate");
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/in/{source}",
    tags: ["ingest"],
    summary: "Receive a webhook",
    description:
      "Any content type; the raw bytes are verified with the source's scheme and stored exactly as received.",
    request: {
      params: z.object({ source: z.string().openapi({ description: "Source slug." }) }),
      body: { content: { "*/*": { schema: z.string().openapi({ format: "binary" }) } } },
    },
    responses: {
      202: { description: "New event persisted.", content: { "application/json": { schema: accepted } } },
      200: {
        description:
          "Idempotency key seen before (the existing event), or Slack's url_verification challenge.",
        content: { "application/json": { schema: duplicate } },
      },
      401: problem("Missing or invalid signature, or timestamp outside tolerance."),
      404: problem("Unknown or inactive source."),
      413: problem("Body over the source's limit."),
      429: problem("Rate or backlog limit hit; see Retry-After."),
      503: problem("Postgres unavailable; nothing was acknowledged."),
    },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/stream",
    tags: ["stream"],
    security,
    summary: "Server-Sent Events of the tenant's completions",
    description:
      "`event: completed|dead`, `id: <event id>`, `data: <completion message>`. Reconnect with `Last-Event-ID` to receive every completion missed, then live ones.",
    request: { headers: z.object({ "last-event-id": z.string().optional() }) },
    responses: {
      200: { description: "An SSE stream.", content: { "text/event-stream": { schema: z.string() } } },
      401: problem("Missing, unknown or revoked API key."),
    },
  });
  for (const [path, description] of [
    ["/health/live", "The process answers."],
    ["/health/ready", "Postgres and Redis answer (503 otherwise, or while shutting down)."],
  ] as const) {
    app.openAPIRegistry.registerPath({
      method: "get",
      path,
      tags: ["health"],
      responses: {
        200: {
          description,
          content: { "application/json": { schema: z.object({ status: z.string() }).passthrough() } },
        },
        ...(path === "/health/ready" ? { 503: { description: "Not ready." } } : {}),
      },
    });
  }
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/metrics",
    tags: ["health"],
    responses: {
      200: { description: "Prometheus metrics.", content: { "text/plain": { schema: z.string() } } },
    },
  });
}
