import { Hono } from "hono";
import type { ApiDeps } from "../deps.ts";

/**
 * `GET /metrics`, served on METRICS_HOST:METRICS_PORT and never on the ingest port: the samples
 * name every tenant's sources, volumes and rotation state, and anyone can reach the ingest port.
 */
export function createMetricsApp(deps: Pick<ApiDeps, "metrics">) {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { "content-type": deps.metrics.registry.contentType });
  });
  app.notFound((c) => c.json({ status: 404, title: "Not found" }, 404));
  return app;
}
