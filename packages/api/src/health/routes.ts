import { pingDatabase, pingRedis } from "@hookbox/shared";
import { Hono } from "hono";
import type { ApiDeps } from "../deps.ts";

/** /health/live: the process answers. /health/ready: it can do its job (Postgres and Redis answer). */
export function healthRoutes(deps: ApiDeps) {
  const app = new Hono();
  app.get("/health/live", (c) => c.json({ status: "ok" }));
  app.get("/health/ready", async (c) => {
    const [postgres, redis] = await Promise.all([pingDatabase(deps.sql), pingRedis(deps.redis)]);
    const ready = postgres && redis && !deps.state.shuttingDown;
    return c.json(
      { status: ready ? "ok" : "unavailable", postgres, redis, shuttingDown: deps.state.shuttingDown },
      ready ? 200 : 503,
    );
  });
  return app;
}
