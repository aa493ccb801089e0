import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { Config } from "@hookbox/shared";
import { Hono } from "hono";
import type { ApiDeps } from "../deps.ts";

/** Where the samples come from: this process's registry, or (cluster primary) all processes'. */
export interface MetricsSource {
  metrics(): Promise<string>;
  contentType: string;
}

/**
 * `GET /metrics`, served on METRICS_HOST:METRICS_PORT and never on the ingest port: the samples
 * name every tenant's sources, volumes and rotation state, and anyone can reach the ingest port.
 */
export function createMetricsApp(deps: Pick<ApiDeps, "metrics"> | { source: MetricsSource }) {
  const source: MetricsSource = "source" in deps ? deps.source : deps.metrics.registry;
  const app = new Hono();
  app.get("/metrics", async (c) => {
    const body = await source.metrics();
    return c.body(body, 200, { "content-type": source.contentType });
  });
  app.notFound((c) => c.json({ status: 404, title: "Not found" }, 404));
  return app;
}

/** The `/metrics` listener on METRICS_HOST:METRICS_PORT; resolves once it listens. */
export function listenForMetrics(app: ReturnType<typeof createMetricsApp>, config: Config): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.metricsPort, hostname: config.metricsHost }, () =>
      resolve(server as Server),
    );
    server.once("error", reject);
  });
}
