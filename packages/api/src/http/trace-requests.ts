import type { HttpBindings } from "@hono/node-server";
import { failSpan, inSpan, linkFromCarrier, tracingActive } from "@hookbox/shared";
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";

/**
 * One server span per request (tracing on; health probes aside), active while the request is
 * handled: its logs carry the trace id and the jobs it enqueues join its trace. Each request
 * starts a new trace: a sender's `traceparent` (a third party's, on `/in/*`) is recorded as a
 * link, not adopted as parent, so outside callers cannot choose our trace ids or sampling.
 */
export const traceRequests = createMiddleware<{ Variables: { requestId: string } }>(async (c, next) => {
  if (!tracingActive() || c.req.path.startsWith("/health/")) return next();
  const method = c.req.method;
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  const header = (name: string) => {
    const value = incoming ? incoming.headers[name] : c.req.header(name);
    return typeof value === "string" ? value : undefined;
  };
  const traceparent = header("traceparent");
  const tracestate = header("tracestate");
  const links = traceparent
    ? linkFromCarrier(tracestate ? { traceparent, tracestate } : { traceparent })
    : [];
  await inSpan(
    method,
    {
      kind: "server",
      root: true,
      links,
      attributes: {
        "http.request.method": method,
        "url.path": c.req.path,
        "hookbox.request_id": c.get("requestId"),
      },
    },
    async (span) => {
      await next();
      const route = routePath(c);
      span?.updateName(`${method} ${route}`);
      span?.setAttributes({ "http.route": route, "http.response.status_code": c.res.status });
      if (c.error || c.res.status >= 500) failSpan(span, c.error ?? `answered ${c.res.status}`);
    },
  );
});
