import { AppError } from "@hookbox/shared";
import { Hono } from "hono";
import { html } from "hono/html";
import type { ApiDeps } from "../deps.ts";
import { startBulkReplay } from "../events/replay.ts";
import type { ConsoleAssets } from "./assets.ts";
import { FILTER_FIELDS, type FilterQuery, parseFilter, queryString, toReplayFilter } from "./filters.ts";
import { csrfField, type Html, href, notice, page, secureHeaders } from "./layout.ts";
import { countReplayable } from "./queries.ts";
import type { ConsoleEnv } from "./session.ts";

function describe(query: FilterQuery): string {
  const parts = Object.entries(query).map(([k, v]) => `${k} = ${v}`);
  return parts.length ? parts.join(", ") : "every event";
}

async function progress(
  deps: ApiDeps,
  tenantId: string,
  jobId: string,
  total: string | undefined,
): Promise<Html> {
  const job = await deps.maintenance.getJob(jobId);
  const owner = (job?.data as { tenantId?: string } | undefined)?.tenantId;
  if (job?.name !== "bulk-replay" || owner !== tenantId) {
    throw new AppError("not_found", "No such bulk replay.");
  }
  if (!job) throw new AppError("not_found", "No such bulk replay.");
  const state = await job.getState();
  const replayed = typeof job.progress === "number" ? job.progress : 0;
  const done = state === "completed" || state === "failed";
  const poll = done
    ? ""
    : html` hx-get="${href(`/replay/${jobId}/progress${total ? `?count=${total}` : ""}`)}" hx-trigger="every 1s" hx-swap="outerHTML"`;
  return html`<div id="progress"${poll} role="status" aria-live="polite">
<p><strong>${state}</strong>: ${replayed} replayed${total ? html` of ${total}` : ""}.</p>
${total && Number(total) > 0 ? html`<progress max="${total}" value="${replayed}" aria-label="Replayed">${replayed}</progress>` : ""}
${state === "failed" ? notice(`The job failed: ${job.failedReason ?? "unknown"}; it resumes where it stopped when retried.`, "error") : ""}
</div>`;
}

export function bulkReplayRoutes(deps: ApiDeps, assets: ConsoleAssets) {
  const app = new Hono<ConsoleEnv>();
  // Step 1, the dry run: how many settled events the filter matches; nothing changes.
  app.get("/replay", async (c) => {
    const { query, filter, problems } = parseFilter(c.req.query());
    if (problems.length) {
      return page(
        c,
        assets,
        "Bulk replay",
        "events",
        notice(`Check the filter: ${problems.join("; ")}`, "error"),
        400,
      );
    }
    const count = await countReplayable(deps.managementSql, c.get("auth").tenantId, filter);
    const body = html`<h1>Bulk replay</h1>
<p>Filter: <span class="mono">${describe(query)}</span> (<a href="${href(`/events${queryString(query)}`)}">see the events</a>).</p>
<p class="notice" role="status"><strong id="replay-count">${count}</strong> settled (completed or dead) events match. Events in flight are not replayed.</p>
${
  count > 0
    ? html`<form method="post" action="${href("/replay")}">${csrfField(c.get("csrf"))}
${FILTER_FIELDS.filter((f) => query[f]).map((f) => html`<input type="hidden" name="${f}" value="${query[f]}">`)}
<button type="submit">Replay ${count} events</button> <a href="${href(`/events${queryString(query)}`)}">Cancel</a></form>`
    : ""
}`;
    return page(c, assets, "Bulk replay", "events", body);
  });
  // Step 2, confirmed: the worker replays them in batches.
  app.post("/replay", async (c) => {
    const form = await c.req.parseBody();
    const params = Object.fromEntries(
      FILTER_FIELDS.map((f) => [f, typeof form[f] === "string" ? form[f] : undefined]),
    );
    const { filter, problems } = parseFilter(params);
    if (problems.length) throw new AppError("bad_request", `Check the filter: ${problems.join("; ")}`);
    const started = await startBulkReplay(deps, c.get("auth").tenantId, toReplayFilter(filter));
    return c.redirect(href(`/replay/${encodeURIComponent(started.jobId)}?count=${started.count}`), 303);
  });
  // Step 3, progress.
  app.get("/replay/:jobId", async (c) => {
    const count = c.req.query("count");
    const total = count && /^\d+$/.test(count) ? count : undefined;
    const body = html`<h1>Bulk replay</h1>${await progress(deps, c.get("auth").tenantId, c.req.param("jobId"), total)}
<p><a href="${href("/events")}">Back to events</a></p>`;
    return page(c, assets, "Bulk replay", "events", body);
  });
  app.get("/replay/:jobId/progress", async (c) => {
    secureHeaders(c);
    const count = c.req.query("count");
    return c.html(
      await progress(
        deps,
        c.get("auth").tenantId,
        c.req.param("jobId"),
        count && /^\d+$/.test(count) ? count : undefined,
      ),
    );
  });
  return app;
}
