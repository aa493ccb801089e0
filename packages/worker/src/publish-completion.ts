import { type CompletionMessage, completionChannel } from "@hookbox/shared";
import type { Redis } from "ioredis";

/** PUBLISH on `hookbox.<source>.<type>.<status>`. At-most-once: a missed message is not resent. */
export async function publishCompletion(redis: Redis, message: CompletionMessage): Promise<void> {
  await redis.publish(
    completionChannel(message.source, message.type, message.status),
    JSON.stringify(message),
  );
}
