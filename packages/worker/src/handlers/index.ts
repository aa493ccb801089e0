import type { HandlerLogger, Step } from "@hookbox/sdk";
import {
  activeSecrets,
  type BuiltinHandlerName,
  builtinCatalogEntries,
  createHandlerCatalog,
  type HandlerCatalog,
  type HandlerCatalogEntry,
  type Logger,
} from "@hookbox/shared";
import type { ClaimedEvent } from "../claim-event.ts";
import { createForwardHandler, type ForwardOptions } from "./forward.ts";
import { logHandler } from "./log.ts";
import { createSlackHandler } from "./slack.ts";
import type { Handler, HandlerEvent } from "./types.ts";

export { type HandlerContext, type HandlerEvent, PermanentError } from "./types.ts";

/** Everything one handler attempt gets; built-ins and code handlers take their part of it. */
export interface RunContext {
  event: ClaimedEvent;
  key: string;
  /** This key's attempt in this run, from 1. */
  attempt: number;
  config: Record<string, unknown>;
  signal: AbortSignal;
  step: Step;
  /** Bound to the handler; code handlers' lines also carry the event id and key. */
  logger: Logger;
}

export interface RunnableHandler {
  entry: HandlerCatalogEntry;
  run(ctx: RunContext): Promise<void>;
}

/** The allowlist: built-ins plus the code handlers loaded from HANDLERS_DIR; nothing else runs. */
export interface HandlerRegistry {
  catalog: HandlerCatalog;
  get(name: string): RunnableHandler | undefined;
}

export function createHandlerRegistry(
  options: ForwardOptions,
  code: readonly HandlerCatalogEntry[] = [],
): HandlerRegistry {
  const builtins: { [N in BuiltinHandlerName]: Handler<N> } = {
    log: logHandler,
    forward: createForwardHandler(options),
    slack: createSlackHandler(options),
  };
  const runnables = new Map<string, RunnableHandler>();
  for (const entry of builtinCatalogEntries()) {
    const handler = builtins[entry.name as BuiltinHandlerName] as (ctx: unknown) => Promise<void>;
    runnables.set(entry.name, {
      entry,
      run: (ctx) =>
        handler({
          event: toHandlerEvent(ctx.event, ctx.attempt),
          body: ctx.event.body,
          config: ctx.config,
          signal: ctx.signal,
          logger: ctx.logger,
        }),
    });
  }
  for (const entry of code) runnables.set(entry.name, { entry, run: (ctx) => runCodeHandler(entry, ctx) });
  return {
    catalog: createHandlerCatalog([...runnables.values()].map((r) => r.entry)),
    get: (name) => runnables.get(name),
  };
}

function toHandlerEvent(event: ClaimedEvent, attempt: number): HandlerEvent {
  return {
    id: event.id,
    tenantId: event.tenantId,
    source: event.source,
    type: event.eventType,
    idempotencyKey: event.idempotencyKey,
    receivedAt: event.receivedAt,
    contentType: event.contentType,
    headers: event.headers,
    run: event.run,
    attempt,
    signingSecrets: activeSecrets(event.forwardSecrets, Date.now()),
  };
}

async function runCodeHandler(entry: HandlerCatalogEntry, ctx: RunContext): Promise<void> {
  const definition = entry.definition;
  if (!definition) throw new Error(`handler "${entry.name}" has no definition`);
  const { event } = ctx;
  let payload: unknown;
  let parsed = false;
  const context = {
    event: {
      id: event.id,
      source: event.source,
      type: event.eventType,
      idempotencyKey: event.idempotencyKey,
      receivedAt: event.receivedAt,
      run: event.run,
      attempt: ctx.attempt,
    },
    // Parsed on first use: a handler that reads only `body` pays nothing for JSON.
    get payload() {
      if (!parsed) {
        parsed = true;
        payload = parseJson(event.body);
      }
      return payload;
    },
    body: event.body,
    headers: event.headers,
    config: ctx.config,
    step: ctx.step,
    signal: ctx.signal,
    log: eventLogger(ctx.logger, { eventId: event.id, handlerKey: ctx.key, attempt: ctx.attempt }),
  };
  await (definition.handle as (c: typeof context) => unknown)(context);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** A logger that adds the event's fields to each line, without a pino child per attempt. */
function eventLogger(base: Logger, fields: Record<string, unknown>): HandlerLogger {
  const at =
    (level: "debug" | "info" | "warn" | "error") =>
    (objOrMsg: object | string, msg?: string): void => {
      if (!base.isLevelEnabled(level)) return;
      if (typeof objOrMsg === "string") base[level](fields, objOrMsg);
      else base[level]({ ...fields, ...objOrMsg }, msg);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } as HandlerLogger;
}
