import type { CompletionMessage } from "@hookbox/shared";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { completionsAfter } from "./catch-up.ts";

const HEARTBEAT_MS = 15_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * GET /v1/stream: Server-Sent Events of the tenant's completions (`event: completed|dead`,
 * `id: <event id>`, `data: <completion message>`). With `Last-Event-ID`, first every completion
 * missed since that event (from Postgres), then live ones: subscribing before reading Postgres
 * leaves no gap, and ids already sent from Postgres are not sent again.
 */
export function streamRoutes(deps: ApiDeps) {
  const app = new Hono<AuthEnv>();
  app.get("/stream", (c) => {
    const { tenantId } = c.get("auth");
    const lastEventId = c.req.header("last-event-id") ?? c.req.query("lastEventId");
    return streamSSE(c, async (stream) => {
      const send = (m: CompletionMessage) =>
        stream.writeSSE({ event: m.status, id: m.id, data: JSON.stringify(m) });
      const pending: CompletionMessage[] = [];
      let live: ((m: CompletionMessage) => void) | undefined;
      const unsubscribe = await deps.hub.subscribe(tenantId, (m) => (live ? live(m) : pending.push(m)));
      stream.onAbort(unsubscribe);

      // A completion is (event id, completed at): a replayed event completes again, later.
      const key = (m: CompletionMessage) => `${m.id}@${m.completedAt}`;
      const sent = new Set<string>();
      if (lastEventId && UUID.test(lastEventId)) {
        for await (const m of completionsAfter(deps.sql, tenantId, lastEventId)) {
          if (stream.aborted) return;
          sent.add(key(m));
          await send(m);
        }
      }
      // Drain what arrived meanwhile (minus what Postgres already gave), then go live in order.
      let chain = Promise.resolve();
      const enqueue = (m: CompletionMessage) => {
        chain = chain.then(() => send(m)).catch(() => {});
      };
      for (const m of pending) if (!sent.has(key(m))) enqueue(m);
      pending.length = 0;
      sent.clear();
      live = enqueue;

      while (!stream.aborted) {
        await stream.sleep(HEARTBEAT_MS);
        if (!stream.aborted) await stream.write(": keep-alive\n\n");
      }
      unsubscribe();
    });
  });
  return app;
}
