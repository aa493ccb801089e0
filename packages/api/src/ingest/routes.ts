import type { HttpBindings } from "@hono/node-server";
import { AppError, annotateActiveSpan, tracingActive } from "@hookbox/shared";
import { Hono } from "hono";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { problemResponse } from "../http/problem.ts";
import { INGEST_ANSWERS, type RefusalKind } from "./answers.ts";
import { deliveryFromIncoming, deliveryFromRequest } from "./read-body.ts";
import { receiveWebhook } from "./receive-webhook.ts";

/** POST /in/:source — the way in. Status, code and metric label come from `INGEST_ANSWERS`. */
export function ingestRoutes(deps: ApiDeps) {
  const app = new Hono<AuthEnv>();
  app.post("/in/:source", async (c) => {
    const started = performance.now();
    const slug = c.req.param("source");
    const requestId = c.get("requestId");
    // The server path reads Node's request directly; in-process calls come as a Fetch Request.
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    const delivery = incoming ? deliveryFromIncoming(incoming) : deliveryFromRequest(c.req.raw);
    const result = await receiveWebhook(deps, slug, delivery);
    const metric = INGEST_ANSWERS[result.kind].metric;
    // Unknown slugs are not a label value: a scanner must not grow the metric without bound.
    const label = result.kind === "unknown_source" ? "_unknown" : slug;
    deps.metrics.ingestRequests.inc({ source: label, result: metric });
    deps.metrics.ingestDuration.observe({ result: metric }, (performance.now() - started) / 1000);
    if (tracingActive()) {
      annotateActiveSpan({
        "hookbox.source": label,
        "hookbox.ingest.result": metric,
        ...("id" in result ? { "hookbox.event.id": result.id } : {}),
      });
    }
    switch (result.kind) {
      case "accepted":
        return c.json(
          { id: result.id, status: result.status, duplicate: false },
          INGEST_ANSWERS.accepted.status,
        );
      case "handshake":
        return c.json(result.answer, INGEST_ANSWERS.handshake.status);
      case "duplicate":
        return c.json(
          { id: result.id, status: result.status, duplicate: true },
          INGEST_ANSWERS.duplicate.status,
        );
      case "unknown_source":
        return refusal(result.kind, requestId, "No such source.");
      case "too_large":
        deps.logger.info({ requestId, source: slug, limit: result.limit }, "ingest refused: body too large");
        // The rest of the body is never buffered: it is read and dropped (bounded in bytes and
        // time, ingest/linger.ts), so the sender reliably reads the 413 before the socket closes.
        return refusal(
          result.kind,
          requestId,
          `The body exceeds this source's limit of ${result.limit} bytes.`,
        );
      case "invalid_signature":
        deps.logger.info(
          { requestId, source: slug, reason: result.reason },
          "ingest refused: verification failed",
        );
        // No hint of which part failed.
        return refusal(result.kind, requestId, "The delivery could not be verified.");
      case "rate_limited":
        return refusal(
          result.kind,
          requestId,
          "This source's rate limit is exceeded; retry after the given delay.",
          result.retryAfterSeconds,
        );
      case "backlogged":
        return refusal(
          result.kind,
          requestId,
          "Hookbox is catching up with a backlog; retry after the given delay.",
          result.retryAfterSeconds,
        );
      case "unavailable":
        deps.logger.error({ requestId, source: slug, err: result.error }, "ingest unavailable: postgres");
        return refusal(
          result.kind,
          requestId,
          "Storage is unavailable; nothing was accepted. Retry later.",
          5,
        );
      default:
        return result satisfies never;
    }
  });
  return app;
}

/** problem+json with the code the table gives `kind`. */
function refusal(
  kind: RefusalKind,
  requestId: string | undefined,
  detail: string,
  retryAfterSeconds?: number,
): Response {
  const extra = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  return problemResponse(new AppError(INGEST_ANSWERS[kind].code, detail, extra), requestId);
}
