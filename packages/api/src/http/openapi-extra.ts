import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import { answerStatus, INGEST_ANSWERS, type ReceiveKind } from "../ingest/answers.ts";
import { problem, security } from "./openapi-common.ts";

/**
 * Routes served by plain Hono handlers (they read the raw body or stream), described here so
 * the OpenAPI document lists every route with its error answers.
 */
// biome-ignore lint/suspicious/noExplicitAny: any app env
export function registerPlainRoutes(app: OpenAPIHono<any>): void {
  const accepted = z
    .object({
      id: z.uuid(),
      // `queued`: committed, its job added right after this answer; `received`: the answer waited
      // for an enqueue that failed (past INGEST_MAX_PENDING_ENQUEUES). Either way the row is durable.
      status: z.enum(["queued", "received"]),
      duplicate: z.literal(false),
    })
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
    responses: ingestResponses({ accepted, duplicate }),
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
}

type Content = Record<string, { schema: z.ZodType }>;

/**
 * The answers of POST /in/:source by status, from `INGEST_ANSWERS`: outcomes sharing a status
 * list their descriptions one after the other; a JSON answer has the schema of the first outcome
 * of its status that has one.
 */
function ingestResponses(schemas: Partial<Record<ReceiveKind, z.ZodType>>) {
  const responses: Record<number, { description: string; content?: Content }> = {};
  for (const kind of Object.keys(INGEST_ANSWERS) as ReceiveKind[]) {
    const answer = INGEST_ANSWERS[kind];
    const status = answerStatus(kind);
    const schema = schemas[kind];
    const content: Content | undefined =
      "code" in answer
        ? problem(answer.description).content
        : schema
          ? { "application/json": { schema } }
          : undefined;
    const previous = responses[status];
    const merged = previous?.content ?? content;
    responses[status] = {
      description: previous ? `${previous.description} ${answer.description}` : answer.description,
      ...(merged ? { content: merged } : {}),
    };
  }
  return responses;
}
