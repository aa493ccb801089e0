import type { HandlerConfig, HandlerName, Logger } from "@hookbox/shared";

/** What a handler learns about the event it runs for. */
export interface HandlerEvent {
  id: string;
  tenantId: string;
  source: string;
  type: string | null;
  idempotencyKey: string | null;
  receivedAt: Date;
  contentType: string | null;
  headers: Record<string, string>;
  /** 1 on the first run; handlers may use it with `id` to stay idempotent. */
  attempt: number;
}

export interface HandlerContext<N extends HandlerName> {
  event: HandlerEvent;
  /** The exact bytes the sender posted. */
  body: Buffer;
  config: HandlerConfig<N>;
  signal: AbortSignal;
  /** Bound to the handler's name only: put the event's id (and what else matters) in each call. */
  logger: Logger;
}

/** A handler resolves on success and throws on failure; `PermanentError` means "do not retry". */
export type Handler<N extends HandlerName> = (ctx: HandlerContext<N>) => Promise<void>;

/** A failure that no retry can fix (a refused destination, a bad config). The event goes `dead` now. */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentError";
  }
}
