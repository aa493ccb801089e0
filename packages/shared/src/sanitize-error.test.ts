import { describe, expect, it } from "vitest";
import { sanitizeError, serializeLogError, stripQueryParams } from "./sanitize-error.ts";

// Shapes the real errors (logger.int.test.ts) do not reach. drizzle builds its message as
// `Failed query: ${query}\nparams: ${params}`; this is the same construction.
function drizzleLike(params: unknown[], cause?: Error): Error {
  const error = new Error(`Failed query: update "sources" set "secrets" = $1\nparams: ${params}`);
  return Object.assign(error, { query: 'update "sources" set "secrets" = $1', params, cause });
}

describe("sanitizeError", () => {
  it("cuts params that hold a line looking like a stack frame from message and stack", () => {
    const error = drizzleLike(["s3cret\n    at fake (frame.js:1:1)\nmore-s3cret"]);
    const out = sanitizeError(error);
    expect(JSON.stringify(out)).not.toContain("s3cret");
    expect(out.message).toBe('Failed query: update "sources" set "secrets" = $1');
    expect(out.stack).toMatch(/^Error: Failed query: update "sources" set "secrets" = \$1\n {4}at /);
    expect(out.query).toBe('update "sources" set "secrets" = $1');
  });

  it("cuts params from a stack whose message was changed after it was built", () => {
    const error = drizzleLike(["s3cret"]);
    expect(error.stack).toContain("s3cret"); // V8 formats the stack on first read
    error.message = `while saving: ${error.message}`;
    const out = sanitizeError(error);
    expect(JSON.stringify(out)).not.toContain("s3cret");
    expect(out.stack).toMatch(/^Error: Failed query: update "sources" set "secrets" = \$1\n {4}at /);
  });

  it("follows a circular cause chain once, and keeps a string cause stripped", () => {
    const inner = drizzleLike(["s3cret"]);
    const outer = drizzleLike(["s3cret"], inner);
    (inner as { cause?: unknown }).cause = outer;
    const out = sanitizeError(outer);
    expect(JSON.stringify(out)).not.toContain("s3cret");
    expect(out.stack.split("caused by:")).toHaveLength(2);
    const withString = Object.assign(new Error("wrapped"), { cause: "Failed query: x\nparams: s3cret" });
    expect(sanitizeError(withString).cause).toBe("Failed query: x");
  });

  it("redacts the values of a Postgres `Key (…)=(…)` detail, keeps the columns", () => {
    const error = Object.assign(new Error("duplicate key value violates unique constraint"), {
      code: "23505",
      detail: "Key (tenant_id, slug)=(t1, s3cret) already exists.",
    });
    expect(sanitizeError(error)).toMatchObject({
      type: "Error",
      code: "23505",
      detail: "Key (tenant_id, slug)=([redacted]) already exists.",
    });
  });

  it("sanitizes an Error held in another field", () => {
    const error = Object.assign(new Error("outer"), { original: drizzleLike(["s3cret"]) });
    expect(JSON.stringify(sanitizeError(error))).not.toContain("s3cret");
  });
});

describe("serializeLogError", () => {
  it.each([
    ["a number", 42],
    ["null", null],
    ["a plain object", { reason: "x" }],
  ])("leaves %s as it is", (_, value) => {
    expect(serializeLogError(value)).toEqual(value);
  });

  it("leaves text without a params line untouched", () => {
    expect(stripQueryParams("params: not drizzle's")).toBe("params: not drizzle's");
  });
});
