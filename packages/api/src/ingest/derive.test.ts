import { describe, expect, it } from "vitest";
import {
  deriveValue,
  jsonDepthExceeds,
  lazyJson,
  normalizeKey,
  normalizeType,
  parseJsonPath,
} from "./derive.ts";

const headers = new Headers({ "x-event-id": "hdr-1", "x-event-type": "thing.done" });
const json = (s: string) => lazyJson(Buffer.from(s));

describe("deriveValue", () => {
  it("takes the first rule that finds a value", () => {
    expect(deriveValue([{ header: "idempotency-key" }, { header: "x-event-id" }], headers, json("{}"))).toBe(
      "hdr-1",
    );
    expect(deriveValue([{ jsonPath: "$.data.id" }], headers, json('{"data":{"id":42}}'))).toBe("42");
    expect(
      deriveValue([{ jsonPath: "$.items[1].k" }], headers, json('{"items":[{"k":"a"},{"k":"b"}]}')),
    ).toBe("b");
  });

  it("returns null when nothing matches, and for non-scalar values", () => {
    expect(deriveValue([{ jsonPath: "$.a" }], headers, json('{"a":{"b":1}}'))).toBeNull();
    expect(deriveValue([{ header: "missing" }], headers, json("{}"))).toBeNull();
  });

  it.each([
    ["not JSON", "hello"],
    ["truncated JSON", '{"a":'],
    ["100k deep", "[".repeat(100_000) + "]".repeat(100_000)],
  ])("survives a body that is %s", (_name, body) => {
    expect(deriveValue([{ jsonPath: "$.a" }], headers, json(body))).toBeNull();
  });

  it("does not parse the body when a header rule matches", () => {
    let parsed = false;
    deriveValue([{ header: "x-event-id" }], headers, () => {
      parsed = true;
      return {};
    });
    expect(parsed).toBe(false);
  });
});

describe("json guards", () => {
  it("measures depth outside strings only", () => {
    expect(jsonDepthExceeds(Buffer.from('{"a":"[[[[[[["}'), 2)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from("[[[1]]]"), 2)).toBe(true);
    // Few brackets in all: the count alone answers. Many but shallow, or deep: the scan does.
    expect(jsonDepthExceeds(Buffer.from('{"a":{"b":1}}'), 2)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(`[${"[1],".repeat(100)}[2]]`), 2)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(`${"[".repeat(65)}${"]".repeat(65)}`), 64)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from(`${'{"a":'.repeat(64)}1${"}".repeat(64)}`), 64)).toBe(false);
  });

  it("parses JSON paths", () => {
    expect(parseJsonPath("$.a.b[0]['c d']")).toEqual(["a", "b", 0, "c d"]);
    expect(parseJsonPath("a.b")).toBeNull();
    expect(parseJsonPath("$.a..b")).toBeNull();
  });
});

describe("normalize", () => {
  it("hashes keys that a text index cannot hold", () => {
    expect(normalizeKey("evt_1")).toBe("evt_1");
    expect(normalizeKey("a\u0000b")).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(normalizeKey("x".repeat(10_000))).toMatch(/^sha256:/);
    expect(normalizeKey(null)).toBeNull();
  });

  it("cleans types", () => {
    expect(normalizeType("a\u0000b")).toBe("ab");
    expect(normalizeType("\u0000")).toBeNull();
  });
});
