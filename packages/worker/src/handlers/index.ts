import type { HandlerName } from "@hookbox/shared";
import { createForwardHandler, type ForwardOptions } from "./forward.ts";
import { logHandler } from "./log.ts";
import { createSlackHandler } from "./slack.ts";
import type { Handler } from "./types.ts";

export { type HandlerContext, type HandlerEvent, PermanentError } from "./types.ts";

export type HandlerRegistry = { [N in HandlerName]: Handler<N> };

/** The allowlist: a source names handlers from this map; nothing is loaded from request input. */
export function createHandlerRegistry(options: ForwardOptions): HandlerRegistry {
  return {
    log: logHandler,
    forward: createForwardHandler(options),
    slack: createSlackHandler(options),
  };
}
