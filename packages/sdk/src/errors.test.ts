import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNonRetriableError, isRetryAfterError, NonRetriableError, RetryAfterError } from "./errors.ts";

// A handler directory may resolve its own copy of the SDK: load errors.ts a second time, from
// another path, so its classes are distinct from ours.
let dir: string;
let other: typeof import("./errors.ts");
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hookbox-sdk-copy-"));
  await copyFile(new URL("./errors.ts", import.meta.url), join(dir, "errors.ts"));
  other = await import(pathToFileURL(join(dir, "errors.ts")).href);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("errors", () => {
  it("the second copy really has other classes", () => {
    expect(other.NonRetriableError).not.toBe(NonRetriableError);
  });

  it("recognises a NonRetriableError from either copy", () => {
    for (const error of [new NonRetriableError("bad payload"), new other.NonRetriableError("bad payload")]) {
      expect(isNonRetriableError(error)).toBe(true);
      expect(other.isNonRetriableError(error)).toBe(true);
      expect(error instanceof NonRetriableError).toBe(true);
      expect(error instanceof other.NonRetriableError).toBe(true);
      expect(isRetryAfterError(error)).toBe(false);
      expect(error.name).toBe("NonRetriableError");
      expect(error.message).toBe("bad payload");
    }
  });

  it("recognises a RetryAfterError from either copy, with its delay", () => {
    for (const error of [
      new RetryAfterError(1500, "rate limited"),
      new other.RetryAfterError(1500, "rate limited"),
    ]) {
      expect(isRetryAfterError(error)).toBe(true);
      expect(other.isRetryAfterError(error)).toBe(true);
      expect(error instanceof RetryAfterError).toBe(true);
      expect(isNonRetriableError(error)).toBe(false);
      expect(error.delayMs).toBe(1500);
      expect(error.message).toBe("rate limited");
    }
  });

  it("does not mistake other errors or values", () => {
    for (const value of [
      new Error("x"),
      new TypeError("x"),
      null,
      undefined,
      "NonRetriableError",
      { delayMs: 5 },
    ]) {
      expect(isNonRetriableError(value)).toBe(false);
      expect(isRetryAfterError(value)).toBe(false);
      expect(value instanceof NonRetriableError).toBe(false);
    }
  });

  it("keeps the ordinary instanceof for subclasses", () => {
    class BadSignatureError extends NonRetriableError {}
    expect(new BadSignatureError("x") instanceof BadSignatureError).toBe(true);
    expect(new NonRetriableError("x") instanceof BadSignatureError).toBe(false);
    expect(isNonRetriableError(new BadSignatureError("x"))).toBe(true);
  });

  it("RetryAfterError rounds the delay up and refuses a bad one", () => {
    expect(new RetryAfterError(0.2).delayMs).toBe(1);
    expect(new RetryAfterError(2000).message).toBe("retry after 2000 ms");
    expect(() => new RetryAfterError(-1)).toThrow(RangeError);
    expect(() => new RetryAfterError(Number.NaN)).toThrow(RangeError);
  });
});
