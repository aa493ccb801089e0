import { AppError } from "@hookbox/shared";
import { Hono } from "hono";
import { html } from "hono/html";
import type { ApiDeps } from "../deps.ts";
import { assetRoutes } from "../http/assets.ts";
import { alertRoutes } from "./alerts.ts";
import { loadAssets } from "./assets.ts";
import { bulkReplayRoutes } from "./bulk-replay.ts";
import { eventDetailRoutes } from "./event-detail.ts";
import { eventListRoutes } from "./events-list.ts";
import { href, notice, secureHeaders, shell } from "./layout.ts";
import { overviewRoutes } from "./overview.ts";
import {
  assertSameOrigin,
  CONSOLE_PATH,
  type ConsoleEnv,
  clearSessionCookie,
  requireSession,
  sessionToken,
  setSessionCookie,
  signIn,
  signOut,
} from "./session.ts";
import { sourceRoutes } from "./sources.ts";

export { CONSOLE_PATH };

/** A local path to go back to after sign-in (never another site). */
const safeNext = (next: string | undefined) =>
  next?.startsWith(`${CONSOLE_PATH}/`) && !next.startsWith("//") && !next.includes("\\") ? next : href("");

/** The web console: server-rendered pages over the same domain functions and tenant scoping as /v1. */
export function consoleRoutes(deps: ApiDeps) {
  const assets = loadAssets();
  const secure = deps.config.publicUrl.startsWith("https:");
  const app = new Hono<ConsoleEnv>();
  app.route("/", assetRoutes(Object.values(assets)));

  const signInPage = (next: string, message?: string) =>
    shell(
      assets,
      { title: "Sign in", section: "none" },
      html`<div class="signin"><h1>Hookbox console</h1>${notice(message, "error")}
<form class="signin-form" method="post" action="${href("/sign-in")}"><input type="hidden" name="next" value="${next}">
<label>API key<input type="password" name="key" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button></form>
<p class="muted">Sign in with an API key; you see exactly what that key sees through /v1.</p></div>`,
    );
  app.get("/sign-in", (c) => {
    secureHeaders(c);
    return c.html(signInPage(safeNext(c.req.query("next"))));
  });
  app.post("/sign-in", async (c) => {
    assertSameOrigin(c, deps.config.publicUrl);
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === "string" ? form.next : undefined);
    const session = typeof form.key === "string" && form.key ? await signIn(deps, form.key.trim()) : null;
    secureHeaders(c);
    if (!session) return c.html(signInPage(next, "Unknown or revoked API key."), 401);
    setSessionCookie(c, session.token, secure);
    return c.redirect(next, 303);
  });

  app.use("*", requireSession(deps));
  app.post("/sign-out", async (c) => {
    await signOut(deps.sql, sessionToken(c));
    clearSessionCookie(c);
    return c.redirect(href("/sign-in"), 303);
  });
  app.route("/", overviewRoutes(deps, assets));
  app.route("/", eventListRoutes(deps, assets));
  app.route("/", eventDetailRoutes(deps, assets));
  app.route("/", bulkReplayRoutes(deps, assets));
  app.route("/", alertRoutes(deps, assets));
  app.route("/", sourceRoutes(deps, assets));

  // Errors are pages here, not problem+json (the status is the same as /v1 would answer).
  app.onError((error, c) => {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    secureHeaders(c);
    const body = html`<h1>${error.title}</h1>${notice(error.problems?.join("; ") ?? error.message, "error")}<p><a href="${href("")}">Back to the console</a></p>`;
    return c.html(shell(assets, { title: error.title, section: "none" }, body), error.status as 400);
  });
  app.notFound((c) => {
    secureHeaders(c);
    return c.html(
      shell(
        assets,
        { title: "Not found", section: "none" },
        html`<h1>Not found</h1><p><a href="${href("")}">Back to the console</a></p>`,
      ),
      404,
    );
  });
  return app;
}
