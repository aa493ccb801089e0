import { AppError } from "@hookbox/shared";
import { Hono } from "hono";
import { html } from "hono/html";
import type { ApiDeps } from "../deps.ts";
import { getEvent } from "../events/queries.ts";
import { replayEvent } from "../events/replay.ts";
import type { EventView } from "../events/schemas.ts";
import type { ConsoleAssets } from "./assets.ts";
import { isUuid } from "./filters.ts";
import { badge, csrfField, type Html, href, notice, page, time } from "./layout.ts";
import type { ConsoleEnv } from "./session.ts";

const HEX_PREVIEW_BYTES = 4096;

function bodyView(e: EventView): Html {
  const bytes = Buffer.from(e.body, e.bodyEncoding === "utf8" ? "utf8" : "base64");
  if (e.bodyEncoding === "utf8") {
    try {
      return html`<pre id="event-body" aria-label="Body (JSON)">${JSON.stringify(JSON.parse(e.body), null, 2)}</pre>`;
    } catch {
      return html`<pre id="event-body" aria-label="Body (text)">${e.body}</pre>`;
    }
  }
  const lines: string[] = [];
  for (let at = 0; at < Math.min(bytes.length, HEX_PREVIEW_BYTES); at += 16) {
    const chunk = bytes.subarray(at, at + 16);
    const hex = [...chunk].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = [...chunk].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  const more = bytes.length > HEX_PREVIEW_BYTES ? `\n… ${bytes.length - HEX_PREVIEW_BYTES} more bytes` : "";
  return html`<pre id="event-body" aria-label="Body (hex, not UTF-8)">${lines.join("\n")}${more}</pre>`;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

function commands(e: EventView, publicUrl: string): { trigger: string; curl: string } {
  const headers = Object.entries(e.headers)
    .filter(([k]) => !["content-length", "host", "connection"].includes(k))
    .map(([k, v]) => ` \\\n  -H ${shellQuote(`${k}: ${v}`)}`)
    .join("");
  return {
    trigger: `hookbox trigger ${e.source} ${e.type ?? "<type>"}`,
    curl: `curl -X POST ${shellQuote(`${publicUrl}/in/${e.source}`)}${headers} \\\n  --data-binary @${e.id}.body\n# the stored headers carry no signature: sign it (hookbox trigger does) or use a source with scheme none`,
  };
}

function timeline(e: EventView): Html {
  const runs = [...new Set(e.attempts.map((a) => a.run))].sort((a, b) => b - a);
  if (runs.length === 0) return html`<p class="muted">No attempts yet.</p>`;
  return html`${runs.map(
    (run) => html`<h3>Run ${run}${run === e.run ? " (current)" : ""}</h3>
<table aria-label="Attempts of run ${run}"><thead><tr><th scope="col">Handler</th><th scope="col">Attempt</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Outcome</th><th scope="col">Error or reason</th><th scope="col">Next attempt</th></tr></thead><tbody>
${e.attempts
  .filter((a) => a.run === run)
  .map(
    (
      a,
    ) => html`<tr><td class="mono">${a.handler}</td><td>${a.attempt}</td><td>${time(a.startedAt)}</td><td>${a.durationMs} ms</td>
<td>${badge(a.outcome)}</td><td class="mono">${a.error ?? ""}</td><td>${a.nextAttemptAt ? time(a.nextAttemptAt) : ""}</td></tr>`,
  )}</tbody></table>`,
  )}`;
}

function detail(csrf: string, e: EventView, publicUrl: string, message?: string): Html {
  const cmd = commands(e, publicUrl);
  const settled = e.status === "completed" || e.status === "dead";
  return html`<h1>Event <span class="mono">${e.id}</span></h1>
${notice(message)}
<dl class="facts">
<dt>Status</dt><dd>${badge(e.status)} run ${e.run}, ${e.attemptCount} handler runs</dd>
<dt>Source</dt><dd><a href="${href(`/events?source=${encodeURIComponent(e.source)}`)}">${e.source}</a></dd>
<dt>Type</dt><dd class="mono">${e.type ?? "—"}</dd>
<dt>Idempotency key</dt><dd class="mono">${e.idempotencyKey ?? "—"}</dd>
<dt>Received</dt><dd>${time(e.receivedAt)}</dd><dt>Completed</dt><dd>${time(e.completedAt)}</dd>
<dt>Last error</dt><dd class="mono">${e.lastError ?? "—"}</dd>
<dt>Body</dt><dd>${e.size} bytes, ${e.contentType ?? "no content type"} · <a href="${href(`/events/${e.id}/body`)}" download>Download raw body</a></dd>
</dl>
<h2>Handlers</h2>
<form method="post" action="${href(`/events/${e.id}/replay`)}">${csrfField(csrf)}
<table aria-label="Handler outcomes of the current run"><thead><tr><th scope="col">Replay</th><th scope="col">Key</th><th scope="col">Handler</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Reason</th></tr></thead><tbody>
${e.handlers.map(
  (
    h,
  ) => html`<tr><td><input type="checkbox" name="handlers" value="${h.key}" id="h-${h.key}" aria-label="Replay ${h.key}"></td>
<td class="mono"><label class="inline" for="h-${h.key}">${h.key}</label></td><td>${h.name}</td><td>${badge(h.status)}</td><td>${h.attempts}</td><td class="mono">${h.reason ?? ""}</td></tr>`,
)}</tbody></table>
<div class="actions">
<button type="submit" name="mode" value="all"${settled ? "" : html` disabled`}>Replay</button>
<button type="submit" name="mode" value="chosen" class="secondary"${settled ? "" : html` disabled`}>Replay chosen handlers</button>
${settled ? html`<span class="muted">Replay runs the handlers that had not succeeded (dead) or all (completed).</span>` : html`<span class="muted">In flight: replay once it is completed or dead.</span>`}
</div></form>
<h2>Attempts</h2>${timeline(e)}
<h2>Body</h2>${bodyView(e)}
<h2>Headers</h2>
<table aria-label="Headers (signature and auth headers are not stored)"><tbody>${Object.entries(
    e.headers,
  ).map(
    ([k, v]) => html`<tr><th scope="row" class="mono">${k}</th><td class="mono">${v}</td></tr>`,
  )}</tbody></table>
<h2>Send it again</h2>
<div class="actions"><button type="button" class="secondary" data-copy="cmd-trigger">Copy</button> <code>hookbox trigger</code></div>
<pre id="cmd-trigger">${cmd.trigger}</pre>
<div class="actions"><button type="button" class="secondary" data-copy="cmd-curl">Copy</button> <code>curl</code></div>
<pre id="cmd-curl">${cmd.curl}</pre>`;
}

export function eventDetailRoutes(deps: ApiDeps, assets: ConsoleAssets) {
  const app = new Hono<ConsoleEnv>();
  const load = (tenantId: string, id: string) => {
    if (!isUuid(id)) throw new AppError("not_found", "No such event.");
    return getEvent(deps.sql, tenantId, id);
  };
  app.get("/events/:id", async (c) => {
    const e = await load(c.get("auth").tenantId, c.req.param("id"));
    const message = c.req.query("replayed") ? `Replay queued as run ${c.req.query("replayed")}.` : undefined;
    return page(
      c,
      assets,
      `Event ${e.id.slice(0, 8)}`,
      "events",
      detail(c.get("csrf"), e, deps.config.publicUrl, message),
    );
  });
  app.get("/events/:id/body", async (c) => {
    const e = await load(c.get("auth").tenantId, c.req.param("id"));
    const bytes = Buffer.from(e.body, e.bodyEncoding === "utf8" ? "utf8" : "base64");
    c.header("content-type", "application/octet-stream");
    c.header("content-disposition", `attachment; filename="${e.id}.body"`);
    c.header("cache-control", "no-store");
    c.header("x-content-type-options", "nosniff");
    return c.body(new Uint8Array(bytes));
  });
  app.post("/events/:id/replay", async (c) => {
    const { tenantId } = c.get("auth");
    const id = c.req.param("id");
    if (!isUuid(id)) throw new AppError("not_found", "No such event.");
    const form = await c.req.parseBody({ all: true });
    const chosen = ([] as unknown[])
      .concat(form.handlers ?? [])
      .filter((h): h is string => typeof h === "string");
    if (form.mode === "chosen" && chosen.length === 0) {
      const e = await load(tenantId, id);
      return page(
        c,
        assets,
        "Event",
        "events",
        detail(c.get("csrf"), e, deps.config.publicUrl, "Choose at least one handler to replay."),
        400,
      );
    }
    const answer = await replayEvent(deps, tenantId, id, form.mode === "chosen" ? chosen : undefined);
    return c.redirect(href(`/events/${answer.id}?replayed=${answer.run}`), 303);
  });
  return app;
}
