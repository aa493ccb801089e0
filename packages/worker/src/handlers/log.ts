import type { Handler } from "./types.ts";

/** Logs one line per event: useful as a first handler and in benchmarks. */
export const logHandler: Handler<"log"> = async ({ event, body, config, logger }) => {
  logger[config.level](
    { eventId: event.id, source: event.source, type: event.type, size: body.length, attempt: event.attempt },
    "event received",
  );
};
