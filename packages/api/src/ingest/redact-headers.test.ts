import { createLogger, SCHEMES, type Scheme } from "@hookbox/shared";
import { signDelivery } from "@hookbox/shared/testing";
import { describe, expect, it } from "vitest";
import { redactHeaders } from "./redact-headers.ts";

const body = JSON.stringify({ id: "evt_1", type: "thing.happened" });
const timestamp = 1_700_000_000;

/**
 * The headers of a signed delivery whose value depends on the secret, found by signing the same
 * delivery with two secrets: what a sender's signature or token is, whatever the header's name.
 * Found without `SCHEME_SPECS`, so a header missing from a scheme's declaration shows up here.
 */
function secretDependentHeaders(scheme: Scheme) {
  const sign = (secret: string) => signDelivery(scheme, { body, secret, timestamp, id: "msg_1" });
  const a = sign("whsec_c2VjcmV0LW9uZS1zZWNyZXQtb25lLXNlY3JldC1vbmU=");
  const b = sign("whsec_c2VjcmV0LXR3by1zZWNyZXQtdHdvLXNlY3JldC10d28=");
  const secretValues = Object.keys(a)
    .filter((name) => a[name] !== b[name])
    .map((name) => a[name] as string);
  return { headers: a, secretValues };
}

function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger("info", {}, { write: (line: string) => void lines.push(line) });
  return { logger, output: () => lines.join("") };
}

describe.each(SCHEMES.map((s) => [s]))("%s: a signed delivery's signature", (scheme) => {
  const { headers, secretValues } = secretDependentHeaders(scheme);

  it("is found (otherwise the tests below would prove nothing)", () => {
    expect(secretValues.length > 0).toBe(scheme !== "none");
  });

  it("is not in a log line of the headers, however they are nested", () => {
    const { logger, output } = capturedLogger();
    logger.info({ headers }, "delivery");
    logger.info({ req: { headers } }, "delivery");
    expect(output()).toContain("delivery");
    for (const value of secretValues) expect(output()).not.toContain(value);
  });

  it("is not in the headers ingest stores", () => {
    const stored = JSON.stringify(redactHeaders(new Headers(headers)));
    for (const value of secretValues) expect(stored).not.toContain(value);
  });
});
