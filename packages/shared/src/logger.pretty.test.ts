import { describe, expect, it } from "vitest";
import { createLogger, logDestination } from "./logger.ts";

/** A stand-in for stdout: a terminal or not, collecting what is written. */
function terminal(isTTY: boolean) {
  const written: string[] = [];
  return { written, out: { isTTY, write: (chunk: string) => written.push(chunk) > 0 } };
}
// biome-ignore lint/suspicious/noControlCharactersInRegex: colours are ANSI escapes
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

describe("logDestination: pretty lines only in development on a terminal", () => {
  it.each([
    ["production", true],
    ["test", true],
    ["development", false],
  ])("NODE_ENV=%s, TTY %s: JSON (pino's default destination)", (nodeEnv, isTTY) => {
    expect(logDestination(nodeEnv, terminal(isTTY).out)).toBeUndefined();
  });

  it("development on a TTY: readable lines, still redacted, errors with their stack", () => {
    const { written, out } = terminal(true);
    const logger = createLogger("info", { service: "test" }, logDestination("development", out));
    logger.info(
      { eventId: "ev_1", headers: { authorization: "Bearer s3cret-token" }, secret: "s3cret" },
      "hello",
    );
    logger.error({ err: new Error("boom") }, "failed");
    const text = plain(written.join(""));
    expect(text).not.toMatch(/^\{/m); // not JSON
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: hello/m);
    expect(text).toContain('eventId: "ev_1"');
    expect(text).toContain("[redacted]");
    expect(text).not.toContain("s3cret");
    expect(text).toMatch(/ERROR: failed/);
    expect(text).toContain("Error: boom");
    expect(text).toContain("logger.pretty.test.ts"); // the stack
  });
});
