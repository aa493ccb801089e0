import { AppError, maskHandlers, SCHEMES, secretBoxOf } from "@hookbox/shared";
import { Hono } from "hono";
import { html } from "hono/html";
import type { ApiDeps } from "../deps.ts";
import { describeIssues } from "../http/validation.ts";
import {
  createSource,
  getSource,
  listRejections,
  listSources,
  rotateSecret,
  toSourceView,
  updateSource,
} from "../sources/queries.ts";
import { sourceRules } from "../sources/rules.ts";
import { CreateSourceSchema, RotateSecretSchema, UpdateSourceSchema } from "../sources/schemas.ts";
import type { ConsoleAssets } from "./assets.ts";
import { isUuid } from "./filters.ts";
import { csrfField, type Html, href, notice, page, time } from "./layout.ts";
import type { ConsoleEnv } from "./session.ts";

type Form = Record<string, string | File | (string | File)[]>;
const text = (form: Form, name: string) =>
  typeof form[name] === "string" ? (form[name] as string).trim() : "";

/** The handlers field is JSON (`[{"name":"log"}]`); zod then checks it like /v1 does. */
function parseHandlers(raw: string): unknown {
  try {
    return JSON.parse(raw || "[]");
  } catch {
    throw new AppError("bad_request", "The request is invalid.", { problems: ["handlers: not JSON"] });
  }
}

function problemsOf(error: unknown): string[] {
  if (error instanceof AppError && error.status < 500) return error.problems ?? [error.message];
  throw error;
}

function errors(problems: string[]): Html {
  return problems.length
    ? html`<div class="notice error" role="alert"><p>Not saved:</p><ul>${problems.map((p) => html`<li>${p}</li>`)}</ul></div>`
    : html``;
}

function newForm(csrf: string, values: Record<string, string>, problems: string[]): Html {
  return html`<h1>New source</h1>${errors(problems)}
<form method="post" action="${href("/sources")}">${csrfField(csrf)}
<label>Slug (in the ingest URL)<input name="slug" required pattern="[a-z0-9-]{1,64}" value="${values.slug ?? ""}"></label>
<label>Name<input name="name" value="${values.name ?? ""}"></label>
<label>Scheme<select name="scheme">${SCHEMES.map((s) => html`<option${values.scheme === s ? html` selected` : ""}>${s}</option>`)}</select></label>
<label>Secret (empty: generated)<input name="secret" autocomplete="off" value=""></label>
<label>Handlers (JSON)<textarea name="handlers">${values.handlers ?? '[{"name": "log"}]'}</textarea></label>
<div class="actions"><button type="submit">Create source</button> <a href="${href("/sources")}">Cancel</a></div></form>`;
}

export function sourceRoutes(deps: ApiDeps, assets: ConsoleAssets) {
  const app = new Hono<ConsoleEnv>();
  const view = (row: Parameters<typeof toSourceView>[0]) =>
    toSourceView(row, deps.config.publicUrl, deps.config.maxBodyBytes);

  app.get("/sources", async (c) => {
    const rows = await listSources(deps.db, c.get("auth").tenantId, 100, undefined);
    const body = html`<h1>Sources</h1><p><a href="${href("/sources/new")}">New source</a></p>
<table aria-label="Sources"><thead><tr><th scope="col">Slug</th><th scope="col">Scheme</th><th scope="col">Handlers</th><th scope="col">Active</th><th scope="col">Ingest URL</th></tr></thead><tbody>
${rows.slice(0, 100).map(
  (r) => html`<tr><td><a href="${href(`/sources/${r.id}`)}">${r.slug}</a></td><td>${r.scheme}</td>
<td class="mono">${r.handlers.map((h) => h.key ?? h.name).join(", ")}</td><td>${r.active ? "yes" : "no"}</td><td class="mono">${view(r).ingestUrl}</td></tr>`,
)}
</tbody></table>`;
    return page(c, assets, "Sources", "sources", body);
  });
  app.get("/sources/new", (c) => page(c, assets, "New source", "sources", newForm(c.get("csrf"), {}, [])));
  app.post("/sources", async (c) => {
    const form = await c.req.parseBody();
    const values = Object.fromEntries(
      ["slug", "name", "scheme", "secret", "handlers"].map((k) => [k, text(form, k)]),
    );
    try {
      const input = CreateSourceSchema.safeParse({
        slug: values.slug,
        scheme: values.scheme,
        handlers: parseHandlers(values.handlers ?? ""),
        ...(values.name ? { name: values.name } : {}),
        ...(values.secret ? { secret: values.secret } : {}),
      });
      if (!input.success)
        throw new AppError("bad_request", "invalid", { problems: describeIssues(input.error.issues) });
      const { row, secret, forwardSecret } = await createSource(
        deps.db,
        c.get("auth").tenantId,
        input.data,
        await sourceRules(deps),
      );
      deps.sources.invalidate(row.slug);
      return page(
        c,
        assets,
        "Source created",
        "sources",
        await detail(c.get("csrf"), row.id, c.get("auth").tenantId, { secret, forwardSecret }),
        201,
      );
    } catch (error) {
      return page(c, assets, "New source", "sources", newForm(c.get("csrf"), values, problemsOf(error)), 400);
    }
  });

  async function detail(
    csrf: string,
    id: string,
    tenantId: string,
    shown: { secret?: string | undefined; forwardSecret?: string } = {},
    problems: string[] = [],
    saved = false,
  ) {
    const row = await getSource(deps.db, tenantId, id);
    const rejections = await listRejections(deps.db, row.id, 50, undefined);
    return html`<h1>Source ${row.slug}</h1>
${shown.secret ? html`<div class="notice" role="status"><p>The new secret, shown this once — store it with the sender now:</p><p class="secret" id="new-secret">${shown.secret}</p></div>` : ""}
${shown.forwardSecret ? html`<div class="notice" role="status"><p>The forward signing secret (Standard Webhooks <code>webhook-signature</code> on what <code>forward</code> sends), shown this once — give it to your destination:</p><p class="secret" id="new-forward-secret">${shown.forwardSecret}</p></div>` : ""}
${notice(saved ? "Saved." : undefined)}${errors(problems)}
<dl class="facts"><dt>Scheme</dt><dd>${row.scheme}</dd><dt>Ingest URL</dt><dd class="mono">${view(row).ingestUrl}</dd>
<dt>Secrets</dt><dd>${row.secrets.length} (${row.secrets.filter((s) => s.expiresAt).length} expiring)</dd>
<dt>Events</dt><dd><a href="${href(`/events?source=${encodeURIComponent(row.slug)}`)}">Events of this source</a></dd></dl>
<h2>Settings</h2>
<form method="post" action="${href(`/sources/${row.id}`)}">${csrfField(csrf)}
<label>Name<input name="name" value="${row.name}"></label>
<label class="inline"><input type="checkbox" name="active" value="true"${row.active ? html` checked` : ""}> Active (accepts deliveries)</label>
<label>Handlers (JSON: name, key, events globs, config; forward header values are write-only: "***" keeps the stored value)<textarea name="handlers">${JSON.stringify(maskHandlers(row.handlers), null, 2)}</textarea></label>
<div class="actions"><button type="submit">Save</button></div></form>
${
  row.scheme === "none"
    ? ""
    : html`<h2>Rotate the secret</h2>
<form method="post" action="${href(`/sources/${row.id}/rotate`)}">${csrfField(csrf)}
<label>Previous secrets keep verifying for (seconds)<input name="expiresPreviousInSeconds" type="number" min="0" max="2592000" value="86400"></label>
<div class="actions"><button type="submit" class="danger">Rotate secret</button></div></form>`
}
<h2>Rejected deliveries</h2>
<p class="muted">Deliveries refused with 401 or 413, newest first (a short, bounded log).</p>
<table aria-label="Rejected deliveries"><thead><tr><th scope="col">Received</th><th scope="col">Reason</th><th scope="col">Size</th><th scope="col">Headers</th></tr></thead><tbody>
${
  rejections.length === 0
    ? html`<tr><td colspan="4" class="muted">None.</td></tr>`
    : rejections.slice(0, 50).map(
        (r) => html`<tr><td>${time(r.receivedAt)}</td><td>${r.reason}</td><td>${r.size}</td>
<td class="mono">${Object.entries(r.headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join("\n")}</td></tr>`,
      )
}</tbody></table>`;
  }

  app.get("/sources/:id", async (c) => {
    const id = c.req.param("id");
    if (!isUuid(id)) throw new AppError("not_found", "No such source.");
    return page(
      c,
      assets,
      "Source",
      "sources",
      await detail(c.get("csrf"), id, c.get("auth").tenantId, {}, [], c.req.query("saved") === "1"),
    );
  });
  app.post("/sources/:id", async (c) => {
    const { tenantId } = c.get("auth");
    const id = c.req.param("id");
    if (!isUuid(id)) throw new AppError("not_found", "No such source.");
    const before = await getSource(deps.db, tenantId, id);
    const form = await c.req.parseBody();
    try {
      const input = UpdateSourceSchema.safeParse({
        name: text(form, "name") || before.name,
        active: form.active === "true",
        handlers: parseHandlers(text(form, "handlers")),
      });
      if (!input.success)
        throw new AppError("bad_request", "invalid", { problems: describeIssues(input.error.issues) });
      await updateSource(deps.db, tenantId, id, input.data, {
        ...(await sourceRules(deps)),
        scheme: before.scheme,
        storedHandlers: before.handlers,
      });
      deps.sources.invalidate(before.slug);
      return c.redirect(href(`/sources/${id}?saved=1`), 303);
    } catch (error) {
      return page(
        c,
        assets,
        "Source",
        "sources",
        await detail(c.get("csrf"), id, tenantId, {}, problemsOf(error)),
        400,
      );
    }
  });
  // The new secret is in this answer only (not a redirect): reloading does not show it again.
  app.post("/sources/:id/rotate", async (c) => {
    const { tenantId } = c.get("auth");
    const id = c.req.param("id");
    if (!isUuid(id)) throw new AppError("not_found", "No such source.");
    const form = await c.req.parseBody();
    const input = RotateSecretSchema.safeParse({
      expiresPreviousInSeconds: Number(text(form, "expiresPreviousInSeconds") || 86_400),
    });
    if (!input.success) throw new AppError("bad_request", describeIssues(input.error.issues).join("; "));
    const rotated = await rotateSecret(deps.db, tenantId, id, input.data, secretBoxOf(deps.config));
    deps.sources.invalidate(rotated.slug);
    c.header("cache-control", "no-store");
    return page(
      c,
      assets,
      "Secret rotated",
      "sources",
      await detail(c.get("csrf"), id, tenantId, { secret: rotated.secret }),
    );
  });
  return app;
}
