import { createServer, type Server } from "node:http";
import { pingDatabase, pingRedis } from "@hookbox/shared";
import type { WorkerDeps } from "./deps.ts";

/** `/metrics`, `/health/live` and `/health/ready` on WORKER_PORT. */
export function createWorkerHttpServer(deps: WorkerDeps, isRunning: () => boolean): Server {
  return createServer(async (req, res) => {
    const send = (status: number, body: string, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    try {
      if (req.url === "/metrics") {
        return send(200, await deps.metrics.registry.metrics(), deps.metrics.registry.contentType);
      }
      if (req.url === "/health/live") return send(200, JSON.stringify({ status: "ok" }));
      if (req.url === "/health/ready") {
        const [postgres, redis] = await Promise.all([pingDatabase(deps.sql), pingRedis(deps.redis)]);
        const ready = postgres && redis && isRunning();
        return send(
          ready ? 200 : 503,
          JSON.stringify({ status: ready ? "ok" : "unavailable", postgres, redis }),
        );
      }
      send(404, JSON.stringify({ status: 404, title: "Not found" }), "application/problem+json");
    } catch (error) {
      deps.logger.error({ err: error }, "worker http error");
      send(500, JSON.stringify({ status: 500, title: "Internal server error" }), "application/problem+json");
    }
  });
}
