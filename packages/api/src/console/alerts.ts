import { Hono } from "hono";
import { html } from "hono/html";
import { acknowledgeAlerts, listAlerts } from "../alerts/queries.ts";
import type { ApiDeps } from "../deps.ts";
import type { ConsoleAssets } from "./assets.ts";
import { isUuid } from "./filters.ts";
import { csrfField, href, notice, page, time } from "./layout.ts";
import type { ConsoleEnv } from "./session.ts";

export function alertRoutes(deps: ApiDeps, assets: ConsoleAssets) {
  const app = new Hono<ConsoleEnv>();
  app.get("/alerts", async (c) => {
    const status = c.req.query("status") === "acknowledged" ? "acknowledged" : "open";
    const rows = await listAlerts(deps.sql, c.get("auth").tenantId, status, 100, undefined);
    const acked = c.req.query("acked");
    const body = html`<h1>Alerts</h1>
${notice(acked && /^\d+$/.test(acked) ? `${acked} alert(s) acknowledged.` : undefined)}
<p><a href="${href("/alerts")}"${status === "open" ? html` aria-current="page"` : ""}>Open</a> ·
<a href="${href("/alerts?status=acknowledged")}"${status === "acknowledged" ? html` aria-current="page"` : ""}>Acknowledged</a> ·
<a href="${href("/events?status=dead")}">Dead letters</a></p>
<form method="post" action="${href("/alerts/ack")}">${csrfField(c.get("csrf"))}
<table aria-label="${status} alerts"><thead><tr>
${status === "open" ? html`<th scope="col"><input type="checkbox" data-check-all="ids" aria-label="Select all alerts"></th>` : ""}
<th scope="col">Created</th><th scope="col">Kind</th><th scope="col">Source</th><th scope="col">Event</th><th scope="col">Message</th>
${status === "acknowledged" ? html`<th scope="col">Acknowledged</th>` : ""}</tr></thead><tbody>
${
  rows.length === 0
    ? html`<tr><td colspan="6" class="muted">No ${status} alerts.</td></tr>`
    : rows.slice(0, 100).map(
        (a) => html`<tr>
${status === "open" ? html`<td><input type="checkbox" name="ids" value="${a.id}" aria-label="Select alert ${a.message}"></td>` : ""}
<td>${time(a.createdAt.toISOString())}</td><td>${a.kind}</td><td>${a.source ?? ""}</td>
<td>${a.eventId ? html`<a class="mono" href="${href(`/events/${a.eventId}`)}">${a.eventId.slice(0, 8)}…</a>` : ""}</td>
<td>${a.message}</td>
${status === "acknowledged" ? html`<td>${time(a.acknowledgedAt?.toISOString())} by ${a.acknowledgedBy ?? ""}</td>` : ""}</tr>`,
      )
}</tbody></table>
${status === "open" && rows.length > 0 ? html`<div class="actions"><button type="submit">Acknowledge selected</button></div>` : ""}
</form>`;
    return page(c, assets, "Alerts", "alerts", body);
  });
  app.post("/alerts/ack", async (c) => {
    const form = await c.req.parseBody({ all: true });
    const ids = ([] as unknown[])
      .concat(form.ids ?? [])
      .filter((id): id is string => typeof id === "string" && isUuid(id));
    const n = ids.length
      ? await acknowledgeAlerts(deps.sql, c.get("auth").tenantId, ids, c.get("auth").name)
      : 0;
    return c.redirect(href(`/alerts?acked=${n}`), 303);
  });
  return app;
}
