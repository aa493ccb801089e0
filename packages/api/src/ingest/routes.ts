import type { HttpBindings } from "@hono/node-server";
import { AppError, type IngestResult } from "@hookbox/shared";
import { Hono } from "hono";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { problemResponse } from "../http/problem.ts";
import { deliveryFromIncoming, deliveryFromRequest } from "./read-body.ts";
import { receiveWebhook } from "./receive-webhook.ts";

/** POST /in/:source — the way in. The answer is decided by one exhaustive switch. */
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
    const observe = (label: string, resultName: IngestResult) => {
      deps.metrics.ingestRequests.inc({ source: label, result: resultName });
      deps.metrics.ingestDuration.observe({ result: resultName }, (performance.now() - started) / 1000);
    };
    switch (result.kind) {
      case "accepted":
        observe(slug, "accepted");
        return c.json({ id: result.id, status: result.status, duplicate: false }, 202);
      case "handshake":
        observe(slug, "accepted");
        return c.json(result.answer, 200);
      case "duplicate":
        observe(slug, "duplicate");
        return c.json({ id: result.id, status: result.status, duplicate: true }, 200);
      case "unknown_source":
        // Unknown slugs are not a label value: a scanner must not grow the metric without bound.
        observe("_unknown", "not_found");
        return problemResponse(new AppError("not_found", "No such source."), requestId);
      case "too_large":
        observe(slug, "too_large");
        deps.logger.info({ requestId, source: slug, limit: result.limit }, "ingest refused: body too large");
        // The rest of the body is never buffered: the server discards it (bounded in bytes and
        // time) after this answer, so the sender reliably reads the 413 before the socket closes.
        return problemResponse(
          new AppError("too_large", `The body exceeds this source's limit of ${result.limit} bytes.`),
          requestId,
        );
      case "invalid_signature":
        observe(slug, "invalid_signature");
        deps.logger.info(
          { requestId, source: slug, reason: result.reason },
          "ingest refused: verification failed",
        );
        // No hint of which part failed.
        return problemResponse(
          new AppError("invalid_signature", "The delivery could not be verified."),
          requestId,
        );
      case "rate_limited":
      case "backlogged":
        observe(slug, "rate_limited");
        return problemResponse(
          new AppError(
            "rate_limited",
            result.kind === "rate_limited"
              ? "This source's rate limit is exceeded; retry after the given delay."
              : "Hookbox is catching up with a backlog; retry after the given delay.",
            { retryAfterSeconds: result.retryAfterSeconds },
          ),
          requestId,
        );
      case "unavailable":
        observe(slug, "unavailable");
        deps.logger.error({ requestId, source: slug, err: result.error }, "ingest unavailable: postgres");
        return problemResponse(
          new AppError("unavailable", "Storage is unavailable; nothing was accepted. Retry later.", {
            retryAfterSeconds: 5,
          }),
          requestId,
        );
      default:
        return result satisfies never;
    }
  });
  return app;
}
