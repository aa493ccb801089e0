import type { Context } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ConsoleAssets } from "./assets.ts";
import { CONSOLE_PATH, type ConsoleEnv } from "./session.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const NAV = [
  ["overview", "", "Overview"],
  ["events", "/events", "Events"],
  ["dead", "/events?status=dead", "Dead letters"],
  ["alerts", "/alerts", "Alerts"],
  ["sources", "/sources", "Sources"],
  ["handlers", "/handlers", "Handlers"],
] as const;
export type Section = (typeof NAV)[number][0] | "none";

/** Security headers of every console answer: nothing inline, nothing from elsewhere, never framed. */
export function secureHeaders(c: Context): void {
  c.header(
    "content-security-policy",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  );
  c.header("x-frame-options", "DENY");
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "same-origin");
  c.header("cache-control", "no-store");
}

export const href = (path: string) => `${CONSOLE_PATH}${path}`;

export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

export function shell(
  assets: ConsoleAssets,
  opts: { title: string; section: Section; csrf?: string; signedInAs?: string },
  body: Html,
): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
${opts.csrf ? html`<meta name="csrf-token" content="${opts.csrf}">` : ""}
<title>${opts.title} · Hookbox console</title>
<link rel="stylesheet" href="${href(assets.css.path)}" integrity="${assets.css.integrity}">
<script src="${href(assets.htmx.path)}" integrity="${assets.htmx.integrity}" defer></script>
<script src="${href(assets.js.path)}" integrity="${assets.js.integrity}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${
  opts.signedInAs
    ? html`<header class="top"><span class="brand">Hookbox</span>
<nav aria-label="Console"><ul class="nav">${NAV.map(
        ([key, path, label]) =>
          html`<li><a href="${href(path)}"${opts.section === key ? html` aria-current="page"` : ""}>${label}</a></li>`,
      )}</ul></nav>
<form method="post" action="${href("/sign-out")}"><input type="hidden" name="_csrf" value="${opts.csrf ?? ""}">
<span class="who">${opts.signedInAs}</span> <button class="secondary" type="submit">Sign out</button></form>
</header>`
    : ""
}
<main id="main">
${body}
</main>
</body>
</html>`;
}

/** A page of a signed-in operator. */
export function page(
  c: Context<ConsoleEnv>,
  assets: ConsoleAssets,
  title: string,
  section: Section,
  body: Html,
  status: 200 | 201 | 400 | 403 | 404 | 409 = 200,
) {
  secureHeaders(c);
  return c.html(
    shell(assets, { title, section, csrf: c.get("csrf"), signedInAs: c.get("auth").name }, body),
    status,
  );
}

export function badge(status: string): Html {
  return html`<span class="badge s-${status}">${status}</span>`;
}

export function time(iso: string | null | undefined): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}">${iso.replace("T", " ").replace(/\.\d+Z$/, "Z")}</time>`;
}

export function notice(text: string | undefined, kind: "info" | "error" = "info"): Html {
  return text
    ? html`<p class="notice ${kind === "error" ? "error" : ""}" role="${kind === "error" ? "alert" : "status"}">${text}</p>`
    : html``;
}
