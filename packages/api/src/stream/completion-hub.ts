import {
  type CompletionMessage,
  CompletionMessageSchema,
  completionPattern,
  createWorkerRedis,
  type Logger,
} from "@hookbox/shared";
import type { Redis } from "ioredis";

type Listener = (message: CompletionMessage) => void;

export interface CompletionHub {
  /** Calls `listener` for each completion of the tenant; returns the unsubscribe function. */
  subscribe(tenantId: string, listener: Listener): Promise<() => void>;
  close(): Promise<void>;
}

/**
 * One PSUBSCRIBE connection per api process, opened on the first stream client, fanning
 * completion messages out to that tenant's SSE clients. ioredis re-subscribes after reconnects.
 */
export function createCompletionHub(redisUrl: string, logger: Logger): CompletionHub {
  const listeners = new Map<string, Set<Listener>>();
  let redis: Redis | undefined;
  let ready: Promise<unknown> | undefined;

  const connect = () => {
    redis = createWorkerRedis(redisUrl, logger);
    redis.on("pmessage", (_pattern: string, _channel: string, raw: string) => {
      let message: CompletionMessage;
      try {
        message = CompletionMessageSchema.parse(JSON.parse(raw));
      } catch {
        return;
      }
      for (const listener of listeners.get(message.tenantId) ?? []) listener(message);
    });
    ready = redis.psubscribe(completionPattern()).catch((error: unknown) => {
      logger.warn({ err: error }, "completion subscription failed");
      ready = undefined;
      throw error;
    });
    return ready;
  };

  return {
    async subscribe(tenantId, listener) {
      await (ready ?? connect());
      let set = listeners.get(tenantId);
      if (!set) {
        set = new Set();
        listeners.set(tenantId, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(tenantId);
      };
    },
    async close() {
      listeners.clear();
      redis?.disconnect();
    },
  };
}
