import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError, BulkReplayJobSchema } from "@hookbox/shared";
import type { ApiDeps } from "../deps.ts";
import type { AuthEnv } from "../http/caller.ts";
import { commonErrors, json, notFound, security } from "../http/openapi-common.ts";

const ReplayProgressSchema = z
  .object({
    jobId: z.string(),
    state: z.string().openapi({ description: "BullMQ's: waiting, active, delayed, completed, failed." }),
    replayed: z.number().openapi({ description: "Events queued again so far." }),
    done: z.boolean(),
  })
  .openapi("ReplayProgress");

const get = createRoute({
  method: "get",
  path: "/replays/{jobId}",
  tags: ["events"],
  security,
  summary: "Progress of a bulk replay",
  request: { params: z.object({ jobId: z.string().min(1).max(100) }) },
  responses: {
    200: { description: "How far the bulk replay is.", ...json(ReplayProgressSchema) },
    ...commonErrors,
    ...notFound,
  },
});

/**
 * GET /v1/replays/:jobId — the `jobId` of `POST /v1/events/replay`, read from the maintenance
 * job's recorded progress. A finished job is kept for a bounded time only: then 404.
 */
export function replayRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(get, async (c) => {
    const job = await deps.maintenance.getJob(c.req.valid("param").jobId);
    const data = job?.name === "bulk-replay" ? BulkReplayJobSchema.safeParse(job.data) : undefined;
    if (!job || !data?.success || data.data.tenantId !== c.get("auth").tenantId)
      throw new AppError("not_found", "No such replay (or it finished a while ago).");
    const state = await job.getState();
    const replayed = typeof job.progress === "number" ? job.progress : 0;
    return c.json(
      { jobId: job.id ?? "", state, replayed, done: state === "completed" || state === "failed" },
      200,
    );
  });
  return app;
}
