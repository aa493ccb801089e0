import { describe, expect, expectTypeOf, it } from "vitest";
import { type Config, parseConfig } from "./index.ts";

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    const result = parseConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      port: 3000,
      workerPort: 3001,
      metricsPort: 3002,
      metricsHost: "127.0.0.1",
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

  it.each([
    [{ RETRY_BASE_DELAY_MS: "5" }, "retryBaseDelayMs", 5],
    [{ BULL_BOARD_READ_ONLY: "1" }, "bullBoardReadOnly", true],
    [
      { SLACK_ALERT_WEBHOOK_URL: "https://hooks.slack.test/x" },
      "slackAlertWebhookUrl",
      "https://hooks.slack.test/x",
    ],
    [{ PUBLIC_URL: "https://in.example.com//" }, "publicUrl", "https://in.example.com"],
    [{ PORT: "8080" }, "publicUrl", "http://localhost:8080"],
  ] as const)("maps %o to config.%s", (env, key, value) => {
    const result = parseConfig(env);
    expect(result.ok && result.config[key]).toBe(value);
  });

  it("has every key, unset optional ones as undefined", () => {
    const result = parseConfig({});
    if (!result.ok) throw new Error(result.problems.join());
    expect(Object.hasOwn(result.config, "adminApiKey")).toBe(true);
    expect(result.config.adminApiKey).toBeUndefined();
    expectTypeOf<Config["adminApiKey"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Config["publicUrl"]>().toEqualTypeOf<string>();
    expectTypeOf<Config["logLevel"]>().toEqualTypeOf<
      "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"
    >();
  });
});
