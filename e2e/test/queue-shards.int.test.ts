import { eventShardOf, findEventJob } from "@hookbox/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, eventRow, type Stack, waitForStatus } from "../src/index.ts";

// EVENT_QUEUE_SHARDS=2: the api enqueues each delivery on its event's shard, workers serve the
// shards they are told (all by default), the reconciler and replay find the right one.
let stack: Stack;
const ids: string[] = [];
const onShard = (shard: number) => ids.filter((id) => eventShardOf(id, 2) === shard);

beforeAll(async () => {
  stack = await createStack("queue-shards", { EVENT_QUEUE_SHARDS: "2" });
  await stack.createSource({
    slug: "shards",
    scheme: "hmac-sha256",
    secret: "shards-secret",
    handlers: [{ name: "log" }],
  });
  for (let n = 0; n < 24; n++) {
    const { code, id } = await stack.deliver("shards", "shards-secret", JSON.stringify({ n }));
    expect(code).toBe(202);
    ids.push(id);
  }
  await stack.api.enqueuer.drain(); // the jobs are added after the answers
});
afterAll(() => stack?.close());

describe("two event queue shards", () => {
  it("put each delivery's job on its event's shard, each shard under its own hash tag", async () => {
    const [zero, one] = stack.api.queues;
    expect(one?.opts.prefix).toBe(`${stack.config.redisPrefix.slice(0, -1)}-1}`);
    expect(onShard(0).length).toBeGreaterThan(0);
    expect(onShard(1).length).toBeGreaterThan(0);
    for (const id of onShard(0)) expect(await zero.getJob(id)).toBeDefined();
    for (const id of onShard(1)) {
      expect(await one?.getJob(id)).toBeDefined();
      expect(await zero.getJob(id)).toBeUndefined();
    }
    // The queue-count metric sums the shards.
    expect(await stack.scrape()).toMatch(
      new RegExp(`hookbox_queue_jobs\\{[^}]*state="waiting"[^}]*\\} ${ids.length}\\b`),
    );
  });

  it("a worker serves only WORKER_QUEUE_SHARDS; the reconciler re-enqueues a lost job on its shard", async () => {
    const [lost, ...rest] = onShard(1);
    if (!lost) throw new Error("no event on shard 1");
    await (await stack.api.queues[1]?.getJob(lost))?.remove();

    await stack.startWorker({ WORKER_QUEUE_SHARDS: "0" });
    for (const id of onShard(0)) await waitForStatus(stack.sql, id, "completed");
    for (const id of rest) expect((await eventRow(stack.sql, id))?.status).toBe("queued");

    await stack.startWorker({ WORKER_QUEUE_SHARDS: "1" });
    for (const id of ids) await waitForStatus(stack.sql, id, "completed");
    // Re-enqueued on shard 1 (where it completed), never on shard 0.
    expect(await (await stack.api.queues[1]?.getJob(lost))?.getState()).toBe("completed");
    expect(await stack.api.queues[0].getJob(lost)).toBeUndefined();
  });

  it("replays an event on its shard", async () => {
    for (const id of [onShard(0)[0], onShard(1)[0]]) {
      if (!id) throw new Error("no event");
      expect((await stack.call("POST", `/v1/events/${id}/replay`)).status).toBe(202);
      await waitForStatus(stack.sql, id, "completed");
      const job = await findEventJob(stack.api.queues, id, 1);
      expect(job?.id).toBe(`${id}-r1`);
      expect(job?.prefix).toBe(stack.api.queues[eventShardOf(id, 2)]?.opts.prefix);
    }
  });
});
