import { OpenAPIHono } from "@hono/zod-openapi";
import { AppError, isStatementTimeout, isTransientDatabaseError } from "@hookbox/shared";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import { BULL_BOARD_PATH, bullBoardRoutes } from "./admin/bull-board.ts";
import { alertRoutes } from "./alerts/routes.ts";
import { apiKeyRoutes } from "./api-keys/routes.ts";
import { requireAuth } from "./auth/middleware.ts";
import { CONSOLE_PATH, consoleRoutes } from "./console/routes.ts";
import type { ApiDeps } from "./deps.ts";
import { DOCS_PATH, docsRoutes } from "./docs/routes.ts";
import { eventRoutes } from "./events/routes.ts";
import { handlerRoutes } from "./handlers/routes.ts";
import { healthRoutes } from "./health/routes.ts";
import type { AuthEnv } from "./http/caller.ts";
import { registerPlainRoutes } from "./http/openapi-extra.ts";
import { problemResponse } from "./http/problem.ts";
import { requestIdMiddleware } from "./http/request-id.ts";
import { setResponseHeader } from "./http/response-header.ts";
import { traceRequests } from "./http/trace-requests.ts";
import { validationHook } from "./http/validation.ts";
import { ingestRoutes } from "./ingest/routes.ts";
import { replayRoutes } from "./replays/routes.ts";
import { sourceRoutes } from "./sources/routes.ts";
import { statsRoutes } from "./stats/routes.ts";
import { streamRoutes } from "./stream/routes.ts";
import { tenantRoutes } from "./tenants/routes.ts";
import { testDeliveryRoutes } from "./test-deliveries/routes.ts";

/** The largest `/v1` request body (a source with 20 handlers of 16 KiB config each fits). */
export const V1_MAX_BODY_BYTES = 1024 * 1024;

export function createApp(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });

  app.use(requestIdMiddleware);
  app.use(traceRequests);
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    if (deps.state.draining) setResponseHeader(c, "connection", "close");
    const route = routePath(c);
    deps.metrics.httpRequests.inc({ route, method: c.req.method, status: String(c.res.status) });
    // Off the hot path unless asked for: one line per request at debug level, with its requestId.
    if (deps.logger.isLevelEnabled("debug")) {
      const ms = Math.round(performance.now() - started);
      deps.logger.debug(
        { requestId: c.get("requestId"), method: c.req.method, route, status: c.res.status, ms },
        "request",
      );
    }
  });

  app.route("/", healthRoutes(deps));
  const board = bullBoardRoutes(deps);
  if (board) app.route(BULL_BOARD_PATH, board);
  app.route("/", ingestRoutes(deps));
  app.route(CONSOLE_PATH, consoleRoutes(deps));

  // Management requests are small JSON documents: refused above 1 MiB before they are read.
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: V1_MAX_BODY_BYTES,
      onError: (c) =>
        problemResponse(
          new AppError("too_large", `The request body is over ${V1_MAX_BODY_BYTES} bytes.`),
          c.get("requestId"),
        ),
    }),
  );
  app.use("/v1/*", requireAuth(deps));
  app.route("/v1", sourceRoutes(deps));
  app.route("/v1", eventRoutes(deps));
  app.route("/v1", handlerRoutes(deps));
  app.route("/v1", tenantRoutes(deps));
  app.route("/v1", apiKeyRoutes(deps));
  app.route("/v1", statsRoutes(deps));
  app.route("/v1", alertRoutes(deps));
  app.route("/v1", streamRoutes(deps));
  app.route("/v1", testDeliveryRoutes(deps));
  app.route("/v1", replayRoutes(deps));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  registerPlainRoutes(app);
  app.doc("/openapi.json", {
    openapi: "3.0.3",
    info: {
      title: "Hookbox",
      version: "0.1.0",
      description: "Inbound webhook inbox: ingress and management API.",
    },
  });
  app.route(DOCS_PATH, docsRoutes());

  app.notFound((c) => problemResponse(new AppError("not_found", "No such route."), c.get("requestId")));
  app.onError((error, c) => {
    const id = c.get("requestId");
    if (error instanceof AppError) return problemResponse(error, id);
    // Hono's own answers (e.g. basic auth's 401 with WWW-Authenticate) keep their headers.
    if (error instanceof HTTPException && error.res) return error.getResponse();
    if (error instanceof HTTPException && error.status < 500) {
      const code = error.status === 401 ? "unauthorized" : error.status === 413 ? "too_large" : "bad_request";
      return problemResponse(new AppError(code, error.message || "Bad request."), id);
    }
    // Every way Postgres refuses (down, refusing sessions, terminated, read-only, disk full, a
    // lost serialization race) is a 503 with Retry-After: the caller's retry is the right move.
    if (isTransientDatabaseError(error)) {
      deps.logger.error({ requestId: id, err: error }, "postgres unavailable");
      // A management read past MANAGEMENT_STATEMENT_TIMEOUT_MS: the caller should narrow it.
      const detail = isStatementTimeout(error)
        ? "The query ran past its time limit; narrow the range or the filter."
        : "Storage is unavailable.";
      return problemResponse(new AppError("unavailable", detail, { retryAfterSeconds: 5 }), id);
    }
    deps.logger.error({ requestId: id, err: error }, "unhandled error");
    return problemResponse(new AppError("internal", "Something went wrong on our side."), id);
  });
  return app;
}
