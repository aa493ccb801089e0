import { eventShardOf, uuidv7 } from "@hookbox/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, TEST_ADMIN_KEY, type TestApi } from "./helpers.ts";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi("bull_board_shards", { EVENT_QUEUE_SHARDS: "2" });
});
afterAll(() => api?.close());

const AUTH = `Basic ${Buffer.from(`admin:${TEST_ADMIN_KEY}`).toString("base64")}`;

describe("Bull Board with EVENT_QUEUE_SHARDS=2", () => {
  it("lists one events entry per shard, each with its own jobs", async () => {
    let id = uuidv7();
    while (eventShardOf(id, 2) !== 1) id = uuidv7();
    await api.deps.queues[1]?.add("deliver", { eventId: id }, { jobId: id });
    const res = await api.app.request("/admin/queues/api/queues?activeQueue=shard-1.events&status=waiting", {
      headers: { authorization: AUTH },
    });
    expect(res.status).toBe(200);
    const { queues } = (await res.json()) as {
      queues: { name: string; displayName?: string; counts: Record<string, number> }[];
    };
    expect(queues.map((q) => q.name).sort()).toEqual(["events", "maintenance", "shard-1.events"]);
    expect(queues.find((q) => q.name === "shard-1.events")?.counts.waiting).toBe(1);
    expect(queues.find((q) => q.name === "events")?.counts.waiting).toBe(0);
  });
});
