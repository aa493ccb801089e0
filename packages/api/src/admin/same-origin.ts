import { AppError } from "@hookbox/shared";
import type { MiddlewareHandler } from "hono";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** A header a cross-site form cannot send, and a cross-site script only after a CORS preflight nobody answers. */
export const CSRF_HEADER = "x-requested-with";

/**
 * Refuses a state-changing request that a browser may have sent from another site. A browser
 * re-sends cached basic-auth credentials to Bull Board with any request, and Bull Board's JSON
 * routes read `text/plain` bodies, so a cross-site form could add or retry jobs. Browsers name
 * the page's origin in `Origin` on every non-GET request: it must be this server (the `Host` it
 * was asked under, or PUBLIC_URL behind a proxy). A client that sends no `Origin` (a script)
 * passes with the `X-Requested-With` header instead.
 */
export function requireSameOrigin(publicUrl: string): MiddlewareHandler {
  const publicOrigin = new URL(publicUrl).origin;
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header("origin");
    const allowed =
      origin === undefined
        ? c.req.header(CSRF_HEADER) !== undefined
        : origin === publicOrigin || hostOf(origin) === (c.req.header("host") ?? new URL(c.req.url).host);
    if (!allowed) {
      throw new AppError(
        "forbidden",
        `A ${c.req.method} here needs an Origin of this server, or the ${CSRF_HEADER} header.`,
      );
    }
    return next();
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // `Origin: null` (sandboxed frames, privacy redirects) is no origin at all
  }
}
