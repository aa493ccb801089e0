import {
  type BatcherOptions,
  type CompletionMessage,
  completionChannel,
  createBatcher,
} from "@hookbox/shared";
import type { Redis } from "ioredis";

export interface CompletionPublisher {
  /** PUBLISH on `hookbox.<source>.<type>.<status>`. At-most-once: a missed message is not resent. */
  publish(message: CompletionMessage): Promise<void>;
}

/** Messages published together go out in one pipeline (one write), not one write each. */
export function createCompletionPublisher(redis: Redis, options: BatcherOptions): CompletionPublisher {
  const batcher = createBatcher<CompletionMessage, void>(async (messages) => {
    const pipeline = redis.pipeline();
    for (const m of messages)
      pipeline.publish(completionChannel(m.source, m.type, m.status), JSON.stringify(m));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
    return messages.map(() => undefined);
  }, options);
  return { publish: (message) => batcher.submit(message) };
}
