import { describe, expect, it } from "vitest";
import { parseConfig } from "./index.ts";

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    const result = parseConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      port: 3000,
      workerPort: 3001,
      workerConcurrency: 128,
      maxAttempts: 8,
      retryBaseDelayMs: 1000,
      retryMaxDelayMs: 3_600_000,
      maxBodyBytes: 1_048_576,
      ingestMaxBacklog: 100_000,
      retentionDays: 30,
      allowPrivateDestinations: false,
      logLevel: "info",
    });
    expect(Object.isFrozen(result.config)).toBe(true);
  });

  it("names every bad variable", () => {
    const result = parseConfig({
      PORT: "abc",
      MAX_ATTEMPTS: "0",
      DATABASE_URL: "nope",
      ADMIN_API_KEY: "short",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join("\n");
    for (const name of ["PORT", "MAX_ATTEMPTS", "DATABASE_URL", "ADMIN_API_KEY"])
      expect(text).toContain(name);
  });

  it("requires ADMIN_API_KEY in production", () => {
    const result = parseConfig({ NODE_ENV: "production" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join()).toContain("ADMIN_API_KEY");
  });

  it("treats an empty variable as unset", () => {
    const result = parseConfig({ PORT: "" });
    expect(result.ok && result.config.port).toBe(3000);
  });
});
