import type { BuiltinHandlerName, HandlerConfig, Logger } from "@hookbox/shared";

/** What a built-in handler learns about the event it runs for. */
export interface HandlerEvent {
  id: string;
  tenantId: string;
  source: string;
  type: string | null;
  idempotencyKey: string | null;
  receivedAt: Date;
  contentType: string | null;
  headers: Record<string, string>;
  /** 0 = the original delivery, n = the n-th replay. */
  run: number;
  /** This handler key's attempt in this run, from 1; with `id`, lets a receiver stay idempotent. */
  attempt: number;
  /** The source's forward signing secrets (`whsec_…`) still valid now: `forward` signs with each. */
  signingSecrets: string[];
}

export interface HandlerContext<N extends BuiltinHandlerName> {
  event: HandlerEvent;
  /** The exact bytes the sender posted. */
  body: Buffer;
  config: HandlerConfig<N>;
  signal: AbortSignal;
  /** Bound to the handler's name only: put the event's id (and what else matters) in each call. */
  logger: Logger;
}

/** A built-in handler resolves on success and throws on failure; `PermanentError` means "do not retry". */
export type Handler<N extends BuiltinHandlerName> = (ctx: HandlerContext<N>) => Promise<void>;

/** A failure that no retry can fix (a refused destination, a bad config). The handler is dead now. */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentError";
  }
}
