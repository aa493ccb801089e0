import { countEventJobs } from "@hookbox/shared";
import { Hono } from "hono";
import { html } from "hono/html";
import type { ApiDeps } from "../deps.ts";
import { describeHandlers } from "../handlers/routes.ts";
import { computeStats } from "../stats/queries.ts";
import type { ConsoleAssets } from "./assets.ts";
import { href, page } from "./layout.ts";
import { countBacklogAndDead } from "./queries.ts";
import type { ConsoleEnv } from "./session.ts";

const HOUR_MS = 3_600_000;

/** The overview (the last hour, from /v1/stats' logic) and the handlers page (GET /v1/handlers' data). */
export function overviewRoutes(deps: ApiDeps, assets: ConsoleAssets) {
  const app = new Hono<ConsoleEnv>();
  app.get("/", async (c) => {
    const { tenantId, admin } = c.get("auth");
    const until = new Date(deps.now() + 1);
    const [stats, counts, queue] = await Promise.all([
      computeStats(deps.managementSql, tenantId, new Date(until.getTime() - HOUR_MS), until),
      countBacklogAndDead(deps.managementSql, tenantId),
      // Queue counts span every tenant: only the admin sees them.
      admin ? countEventJobs(deps.queues, "waiting", "active", "delayed", "failed").catch(() => null) : null,
    ]);
    const card = (label: string, value: string, link?: string) =>
      html`<div class="card"><div class="value">${link ? html`<a href="${link}">${value}</a>` : value}</div><div class="label">${label}</div></div>`;
    const p99 = stats.latencyMs.p99;
    const body = html`<h1>Overview</h1><p class="muted">The last hour of this tenant.</p>
<div class="cards">
${card("events received (last hour)", String(stats.total))}
${card("ingest rate, per minute", (stats.total / 60).toFixed(1))}
${card("backlog (not yet settled)", String(counts.backlog), href("/events?status=queued"))}
${card("p99 ingest → completed", p99 === null ? "—" : `${Math.round(p99)} ms`)}
${card("dead in the last hour", String(counts.dead), href("/events?status=dead"))}
</div>
${queue ? html`<h2>Queue (all tenants)</h2><div class="cards">${Object.entries(queue).map(([k, v]) => card(k, String(v)))}</div>` : ""}
<h2>By source</h2>
<table aria-label="Events by source, last hour"><thead><tr><th scope="col">Source</th><th scope="col">Events</th></tr></thead><tbody>
${stats.bySource.map((s) => html`<tr><td><a href="${href(`/events?source=${encodeURIComponent(s.source)}`)}">${s.source}</a></td><td>${s.count}</td></tr>`)}
</tbody></table>
<h2>Top event types</h2>
<table aria-label="Top event types, last hour"><thead><tr><th scope="col">Type</th><th scope="col">Events</th></tr></thead><tbody>
${stats.topTypes.map((t) => html`<tr><td class="mono">${t.type ?? "(none)"}</td><td>${t.count}</td></tr>`)}
</tbody></table>`;
    return page(c, assets, "Overview", "overview", body);
  });

  app.get("/handlers", async (c) => {
    const data = await describeHandlers(deps, c.get("auth").tenantId);
    const body = html`<h1>Handlers</h1>
<p class="muted">Built-ins and the code handlers deployed workers announce, with where this tenant attaches them.</p>
<table aria-label="Handlers"><thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Events</th><th scope="col">Versions (workers)</th><th scope="col">Attached to</th></tr></thead><tbody>
${data.map(
  (
    h,
  ) => html`<tr><td class="mono"><a href="${href(`/events?handler=${encodeURIComponent(h.name)}`)}">${h.name}</a></td>
<td>${h.kind}${h.provider ? ` (${h.provider})` : ""}</td><td class="mono">${h.events?.join(", ") ?? "all"}</td>
<td>${h.versions.length ? h.versions.map((v) => `${v.version} (${v.workers})`).join(", ") : h.kind === "builtin" ? "built in" : html`<span class="muted">no live worker</span>`}</td>
<td>${h.attachedTo.length ? h.attachedTo.map((a) => html`<a href="${href(`/sources/${a.sourceId}`)}">${a.slug}</a> <span class="mono">(${a.key})</span> `) : html`<span class="muted">nowhere</span>`}</td></tr>`,
)}</tbody></table>`;
    return page(c, assets, "Handlers", "handlers", body);
  });
  return app;
}
