import { uuidv7 } from "uuidv7";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/index.ts";
import { connectEventShards, eventShardOf, eventShardPrefix, servedEventShards } from "./shards.ts";

describe("eventShardOf", () => {
  it("is stable: the same id lands on the same shard, whatever its case", () => {
    // Pinned values: a change of hash would strand queued jobs on the wrong shard for the reconciler.
    expect(eventShardOf("0192f3a4-5b6c-7d8e-9f00-112233445566", 2)).toBe(
      eventShardOf("0192F3A4-5B6C-7D8E-9F00-112233445566", 2),
    );
    expect(
      ["0192f3a4-5b6c-7d8e-9f00-112233445566", "0192f3a4-5b6c-7d8e-9f00-112233445567"].map((id) =>
        eventShardOf(id, 4),
      ),
    ).toEqual([0, 3]);
  });

  it("puts everything on shard 0 when there is one shard", () => {
    for (let i = 0; i < 100; i++) expect(eventShardOf(uuidv7(), 1)).toBe(0);
  });

  it.each([2, 3, 8])("spreads time-ordered ids evenly over %i shards", (shards) => {
    const counts = new Array<number>(shards).fill(0);
    const n = 20_000;
    // uuid v7 ids made in one burst share their leading (time) bytes.
    for (let i = 0; i < n; i++) {
      const shard = eventShardOf(uuidv7(), shards);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    for (const count of counts) expect(Math.abs(count - n / shards)).toBeLessThan((n / shards) * 0.05);
  });
});

describe("eventShardPrefix", () => {
  it.each([
    ["{hookbox}", 0, "{hookbox}"],
    ["{hookbox}", 1, "{hookbox-1}"],
    ["{hookbox}", 12, "{hookbox-12}"],
    ["{acme}:hb", 2, "{acme-2}:hb"],
    ["hookbox", 1, "hookbox-1"],
    ["{}x", 1, "{}x-1"],
  ])("%s, shard %i → %s", (prefix, shard, expected) => {
    expect(eventShardPrefix(prefix, shard)).toBe(expected);
  });
});

describe("shard configuration", () => {
  const config = (env: Record<string, string>) => {
    const result = parseConfig(env);
    if (!result.ok) throw new Error(result.problems.join("\n"));
    return result.config;
  };

  it("defaults to one shard served by every worker, on REDIS_URL", () => {
    const c = config({});
    expect(c.eventQueueShards).toBe(1);
    expect(servedEventShards(c)).toEqual([0]);
    expect(connectEventShards(c, "base", (url) => url)).toEqual({ byShard: ["base"], opened: [] });
  });

  it("serves the shards named in WORKER_QUEUE_SHARDS, else all", () => {
    expect(servedEventShards(config({ EVENT_QUEUE_SHARDS: "3" }))).toEqual([0, 1, 2]);
    expect(servedEventShards(config({ EVENT_QUEUE_SHARDS: "3", WORKER_QUEUE_SHARDS: "2, 0,2" }))).toEqual([
      0, 2,
    ]);
  });

  it("opens one connection per distinct shard URL other than REDIS_URL", () => {
    const c = config({
      EVENT_QUEUE_SHARDS: "3",
      REDIS_URL: "redis://a:6379",
      REDIS_SHARD_URLS: "redis://a:6379,redis://b:6379,redis://b:6379",
    });
    expect(connectEventShards(c, "base", (url) => url)).toEqual({
      byShard: ["base", "redis://b:6379", "redis://b:6379"],
      opened: ["redis://b:6379"],
    });
  });

  it.each([
    [{ EVENT_QUEUE_SHARDS: "0" }, "EVENT_QUEUE_SHARDS"],
    [
      { EVENT_QUEUE_SHARDS: "2", REDIS_SHARD_URLS: "redis://a:6379" },
      "REDIS_SHARD_URLS: needs one URL per shard",
    ],
    [{ EVENT_QUEUE_SHARDS: "2", WORKER_QUEUE_SHARDS: "2" }, "WORKER_QUEUE_SHARDS: shard 2 does not exist"],
    [{ WORKER_QUEUE_SHARDS: "a" }, "WORKER_QUEUE_SHARDS"],
  ])("refuses %o", (env, problem) => {
    const result = parseConfig(env);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join("\n")).toContain(problem);
  });
});
