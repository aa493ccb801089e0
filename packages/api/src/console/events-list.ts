import { EVENT_STATUSES } from "@hookbox/shared";
import { Hono } from "hono";
import { html } from "hono/html";
import type { ApiDeps } from "../deps.ts";
import type { EventSummary } from "../events/schemas.ts";
import { listSources } from "../sources/queries.ts";
import type { ConsoleAssets } from "./assets.ts";
import { type FilterQuery, isUuid, parseFilter, queryString } from "./filters.ts";
import { badge, type Html, href, notice, page, secureHeaders, time } from "./layout.ts";
import { type EventPage, listEventPage, SCAN_WINDOW } from "./queries.ts";
import type { ConsoleEnv } from "./session.ts";

const PAGE = 50;
/** The first page refreshes itself this often (new events and status changes appear). */
const LIVE_SECONDS = 5;

function rows(result: EventPage, query: FilterQuery, live: boolean): Html {
  const attrs = live
    ? html` hx-get="${href(`/events/rows${queryString(query)}`)}" hx-trigger="every ${LIVE_SECONDS}s" hx-swap="outerHTML"`
    : "";
  return html`<tbody id="event-rows"${attrs}>${
    result.data.length === 0
      ? html`<tr><td colspan="7" class="muted">No events match.</td></tr>`
      : result.data.map(row)
  }</tbody>`;
}

function row(e: EventSummary): Html {
  return html`<tr>
<td>${time(e.receivedAt)}</td>
<td><a href="${href(`/events/${e.id}`)}" class="mono">${e.id.slice(0, 8)}…${e.id.slice(-4)}</a></td>
<td>${e.source}</td><td class="mono">${e.type ?? ""}</td><td>${badge(e.status)}</td>
<td>${e.attemptCount}</td><td class="mono">${e.idempotencyKey ?? ""}</td></tr>`;
}

function filterForm(query: FilterQuery, sources: string[]): Html {
  const input = (name: keyof FilterQuery, label: string, placeholder = "", type = "text") =>
    html`<label>${label}<input type="${type}" name="${name}" value="${query[name] ?? ""}" placeholder="${placeholder}"></label>`;
  return html`<form class="filters" method="get" action="${href("/events")}" role="search" aria-label="Filter events">
<label>Source<select name="source"><option value="">any</option>${sources.map(
    (s) => html`<option${query.source === s ? html` selected` : ""}>${s}</option>`,
  )}</select></label>
<label>Status<select name="status"><option value="">any</option>${EVENT_STATUSES.map(
    (s) => html`<option${query.status === s ? html` selected` : ""}>${s}</option>`,
  )}</select></label>
${input("type", "Type (glob)", "invoice.*")}
${input("since", "Received from (UTC)", "2026-01-02T10:00")}
${input("until", "Received before (UTC)", "2026-01-02T11:00")}
${input("handler", "Handler key or name", "fulfil-order")}
${input("key", "Idempotency key", "evt_…")}
${input("path", "Body path", "data.object.customer")}
${input("value", "equals", "cus_123")}
<div class="actions"><button type="submit">Filter</button> <a href="${href("/events")}">Clear</a></div>
</form>`;
}

export function eventListRoutes(deps: ApiDeps, assets: ConsoleAssets) {
  const app = new Hono<ConsoleEnv>();
  const load = async (tenantId: string, params: Record<string, string>) => {
    const parsed = parseFilter(params);
    const before = isUuid(params.before) ? params.before : undefined;
    const result = parsed.problems.length
      ? { data: [], nextBefore: null, scannedTo: null }
      : await listEventPage(deps.managementSql, tenantId, parsed.filter, PAGE, before);
    return { ...parsed, before, result };
  };

  app.get("/events", async (c) => {
    const { tenantId } = c.get("auth");
    const [{ query, problems, before, result }, sources] = await Promise.all([
      load(tenantId, c.req.query()),
      listSources(deps.db, tenantId, 100, undefined),
    ]);
    const body = html`<h1>Events</h1>
${filterForm(
  query,
  sources.map((s) => s.slug),
)}
${notice(problems.length ? `Check the filter: ${problems.join("; ")}` : undefined, "error")}
<div class="actions">
<a href="${href(`/events${queryString(query)}`)}">Permalink to this filter</a>
<a href="${href(`/replay${queryString(query)}`)}">Bulk replay this filter…</a>
${before ? html`<a href="${href(`/events${queryString(query)}`)}">Newest</a>` : html`<span class="muted" aria-live="polite">Live: refreshes every ${LIVE_SECONDS} s</span>`}
</div>
${
  result.scannedTo
    ? notice(
        `Searched the newest ${SCAN_WINDOW.toLocaleString("en")} events of this range (back to ${result.scannedTo.receivedAt}); older matches may exist — use “Search older” or narrow the time range.`,
      )
    : ""
}
<table aria-label="Events, newest first"><thead><tr><th scope="col">Received</th><th scope="col">Id</th><th scope="col">Source</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Idempotency key</th></tr></thead>
${rows(result, query, !before && !result.scannedTo)}</table>
<nav class="pager" aria-label="Pages">${
      result.nextBefore
        ? html`<a rel="next" href="${href(`/events${queryString(query, { before: result.nextBefore })}`)}">${result.scannedTo ? "Search older" : "Older"} →</a>`
        : html`<span class="muted">End of the list.</span>`
    }</nav>`;
    return page(c, assets, "Events", query.status === "dead" ? "dead" : "events", body);
  });

  // The live fragment: the first page's rows again (htmx swaps the tbody).
  app.get("/events/rows", async (c) => {
    const { query, result } = await load(c.get("auth").tenantId, c.req.query());
    secureHeaders(c);
    return c.html(rows(result, query, true));
  });
  return app;
}
