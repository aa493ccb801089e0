import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import type { ApiDeps } from "../deps.ts";
import { requireSameOrigin } from "./same-origin.ts";

export const BULL_BOARD_PATH = "/admin/queues";

/**
 * Bull Board for the events and maintenance queues, behind HTTP basic auth (user `admin`,
 * password BULL_BOARD_PASSWORD or ADMIN_API_KEY): a browser sends basic credentials with every
 * asset and API call under the same path, which a bearer token would not — and so would a
 * browser on another site's form: non-GET requests need a same-origin `Origin`
 * (`same-origin.ts`). Null when no password
 * is configured (the board is then not served at all).
 */
export function bullBoardRoutes(deps: ApiDeps): Hono | null {
  const password = deps.config.bullBoardPassword ?? deps.config.adminApiKey;
  if (!password) return null;
  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(BULL_BOARD_PATH);
  const readOnlyMode = deps.config.bullBoardReadOnly;
  createBullBoard({
    queues: [
      // One entry per shard. Bull Board keys a queue by its name, and every shard's queue is
      // `events`: shard n > 0 gets a name prefix of its own (shard 0 keeps today's URL).
      ...deps.queues.map((queue, shard) =>
        shard === 0
          ? new BullMQAdapter(queue, { readOnlyMode })
          : new BullMQAdapter(queue, {
              readOnlyMode,
              prefix: `shard-${shard}.`,
              displayName: `events (shard ${shard})`,
            }),
      ),
      new BullMQAdapter(deps.maintenance, { readOnlyMode }),
    ],
    serverAdapter,
    options: { uiConfig: { boardTitle: "Hookbox" } },
  });
  const app = new Hono();
  // Before the credentials: a forged cross-site request is refused whatever the browser attached.
  app.use("*", requireSameOrigin(deps.config.publicUrl));
  app.use("*", basicAuth({ username: "admin", password, realm: "Hookbox queues" }));
  app.route("/", serverAdapter.registerPlugin());
  return app;
}
