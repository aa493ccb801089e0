import type { HttpBindings } from "@hono/node-server";
import { AppError, type CompletionMessage } from "@hookbox/shared";
import { type Context, Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { completionsAfter } from "./catch-up.ts";
import { createClientBuffer } from "./client-buffer.ts";
import { createStreamSlots } from "./stream-slots.ts";

const HEARTBEAT_MS = 15_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * GET /v1/stream: Server-Sent Events of the tenant's completions (`event: completed|dead`,
 * `id: <event id>`, `data: <completion message>`). With `Last-Event-ID`, first every completion
 * missed since that event (from Postgres), then live ones.
 *
 * A tenant holds at most STREAM_MAX_PER_TENANT streams per api process (the next is 429 with
 * Retry-After), and a client that does not read what it is sent has at most
 * STREAM_CLIENT_BUFFER_BYTES waiting: then it is dropped (its socket closed) and, like any SSE
 * client, reconnects with `Last-Event-ID`.
 */
export function streamRoutes(deps: ApiDeps) {
  const app = new Hono<AuthEnv>();
  const slots = createStreamSlots(deps.config.streamMaxPerTenant);
  app.get("/stream", (c) => {
    const { tenantId } = c.get("auth");
    const release = slots.take(tenantId);
    if (!release) {
      throw new AppError(
        "rate_limited",
        `At most ${deps.config.streamMaxPerTenant} streams of a tenant may be open at once (STREAM_MAX_PER_TENANT); close one first.`,
        { retryAfterSeconds: 5 },
      );
    }
    const lastEventId = c.req.header("last-event-id") ?? c.req.query("lastEventId");
    return streamSSE(c, async (stream) => {
      stream.onAbort(release);
      try {
        await serveCompletions(deps, c, stream, tenantId, lastEventId);
      } finally {
        release();
      }
    });
  });
  return app;
}

/**
 * Subscribing before reading Postgres leaves no gap, and ids already sent from Postgres are not
 * sent again; live messages are written in order, each counted in the client's buffer until
 * written.
 */
async function serveCompletions(
  deps: ApiDeps,
  c: Context<AuthEnv>,
  stream: SSEStreamingApi,
  tenantId: string,
  lastEventId: string | undefined,
): Promise<void> {
  const send = (m: CompletionMessage, data: string) => stream.writeSSE({ event: m.status, id: m.id, data });
  const buffer = createClientBuffer(deps.config.streamClientBufferBytes, (bytes) => {
    deps.logger.warn({ tenantId, bytes }, "stream client does not keep up; dropped");
    stream.abort();
    // The response waits for the socket to drain, which a client that does not read never lets it: close it.
    (c.env as Partial<HttpBindings> | undefined)?.outgoing?.destroy();
  });
  const pending: { m: CompletionMessage; data: string }[] = [];
  let live: ((m: CompletionMessage) => void) | undefined;
  const unsubscribe = await deps.hub.subscribe(tenantId, (m) => {
    if (live) return live(m);
    const data = JSON.stringify(m);
    if (buffer.hold(data.length)) pending.push({ m, data });
  });
  stream.onAbort(unsubscribe);

  // A completion is (event id, completed at): a replayed event completes again, later.
  const key = (m: CompletionMessage) => `${m.id}@${m.completedAt}`;
  const sent = new Set<string>();
  if (lastEventId && UUID.test(lastEventId)) {
    for await (const m of completionsAfter(deps.sql, tenantId, lastEventId)) {
      if (stream.aborted) return;
      sent.add(key(m));
      await send(m, JSON.stringify(m));
    }
  }
  // Drain what arrived meanwhile (minus what Postgres already gave), then go live in order.
  let chain = Promise.resolve();
  const enqueue = (m: CompletionMessage, data = JSON.stringify(m)) => {
    if (!buffer.hold(data.length)) return;
    chain = chain
      .then(() => send(m, data))
      .catch(() => {})
      .finally(() => buffer.release(data.length));
  };
  for (const { m, data } of pending.splice(0)) {
    buffer.release(data.length);
    if (!sent.has(key(m))) enqueue(m, data);
  }
  sent.clear();
  live = enqueue;

  while (!stream.aborted) {
    await stream.sleep(HEARTBEAT_MS);
    if (!stream.aborted) await stream.write(": keep-alive\n\n");
  }
  unsubscribe();
}
