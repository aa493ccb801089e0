import { randomUUID } from "node:crypto";
import type { HttpBindings } from "@hono/node-server";
import { createMiddleware } from "hono/factory";
import { setResponseHeader } from "./response-header.ts";

const VALID = /^[\w\-.:]{1,128}$/;

/**
 * Sets `requestId` (the caller's `X-Request-Id` when it looks sane, else a new uuid) and returns
 * it as `X-Request-Id`. Reads Node's headers directly on the server path, so no Fetch Headers
 * object is built for a request that does not otherwise need one.
 */
export const requestIdMiddleware = createMiddleware<{ Variables: { requestId: string } }>(async (c, next) => {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  const given = incoming ? incoming.headers["x-request-id"] : c.req.header("x-request-id");
  const id = typeof given === "string" && VALID.test(given) ? given : randomUUID();
  c.set("requestId", id);
  await next();
  setResponseHeader(c, "x-request-id", id);
});
