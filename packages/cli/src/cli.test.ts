import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseHandlerOption, providerLine } from "./commands/sources.ts";
import { duration, parseSince } from "./output.ts";
import { run } from "./program.ts";
import { listSamples, samplePayload, setPath } from "./samples.ts";
import { resolveTarget } from "./settings.ts";

describe("samples", () => {
  it("ships samples for each provider, and renews what a provider makes unique", () => {
    const shipped = listSamples();
    for (const p of ["stripe", "github", "shopify", "slack", "standard-webhooks", "hookbox"])
      expect(shipped[p]?.length).toBeGreaterThan(0);
    expect(shipped.shopify).toContain("orders/create");
    const a = samplePayload("stripe", "invoice.paid");
    const b = samplePayload("stripe", "invoice.paid");
    expect(a.shipped).toBe(true);
    expect(a.payload.id).not.toBe(b.payload.id);
    expect(a.payload.type).toBe("invoice.paid");
    const slack = samplePayload("slack", "app_mention").payload as { event: { type: string } };
    expect(slack.event.type).toBe("app_mention");
  });

  it("a type without a sample gets a minimal payload of the provider's shape", () => {
    const { payload, shipped } = samplePayload("stripe", "payout.paid");
    expect(shipped).toBe(false);
    expect(payload).toMatchObject({ object: "event", type: "payout.paid", data: { object: {} } });
    expect(samplePayload("github", "../../etc/passwd").shipped).toBe(false);
  });

  it("--set writes JSON values along a dotted path, creating objects", () => {
    const payload: Record<string, unknown> = { data: { object: { amount: 1 } } };
    setPath(payload, "data.object.amount=4200");
    setPath(payload, "data.object.currency=eur");
    setPath(payload, 'meta.flags={"a":true}');
    expect(payload).toEqual({
      data: { object: { amount: 4200, currency: "eur" } },
      meta: { flags: { a: true } },
    });
    expect(() => setPath(payload, "novalue")).toThrow(/path=value/);
  });
});

describe("parsing and printing", () => {
  it.each([
    ["log", [{ name: "log", config: {} }]],
    ['forward={"url":"https://x.example"}', [{ name: "forward", config: { url: "https://x.example" } }]],
    ['{"name":"forward","key":"crm","config":{}}', [{ name: "forward", key: "crm", config: {} }]],
  ])("--handler %s", (value, expected) => {
    expect(parseHandlerOption(value)).toEqual(expected);
  });

  it("relative and ISO times; durations", () => {
    const now = Date.parse("2026-11-26T12:00:00Z");
    expect(parseSince("1h", now)).toBe("2026-11-26T11:00:00.000Z");
    expect(parseSince("30m", now)).toBe("2026-11-26T11:30:00.000Z");
    expect(parseSince("2026-11-26T10:00:00Z", now)).toBe("2026-11-26T10:00:00.000Z");
    expect(() => parseSince("yesterday", now)).toThrow(/not a time/);
    expect([duration(42), duration(1200), duration(42_000), duration(180_000)]).toEqual([
      "42 ms",
      "1.2 s",
      "42 s",
      "3 min",
    ]);
  });

  it("names where to paste the ingest URL per provider", () => {
    const line = (scheme: string) => providerLine({ scheme, slug: "s", ingestUrl: "https://h/in/s" });
    expect(line("github")).toContain("Payload URL https://h/in/s");
    expect(line("stripe")).toContain("hookbox sources rotate s --secret");
    expect(line("hmac-sha256")).toContain("X-Signature: sha256=");
  });

  it("usage errors exit 2, help exits 0", async () => {
    const out = process.stderr.write;
    process.stderr.write = () => true;
    const stdout = process.stdout.write;
    process.stdout.write = () => true;
    try {
      expect(await run(["nope"])).toBe(2);
      expect(await run(["trigger", "only-one"])).toBe(2);
      expect(await run(["sources", "create", "x"])).toBe(2); // --scheme is required
      expect(await run(["--help"])).toBe(0);
    } finally {
      process.stderr.write = out;
      process.stdout.write = stdout;
    }
  });
});

describe("which Hookbox and which key", () => {
  const dir = mkdtempSync(join(tmpdir(), "hookbox-target-"));
  const checkout = join(dir, "checkout");
  mkdirSync(join(checkout, ".hookbox"), { recursive: true });
  mkdirSync(join(checkout, "sub"), { recursive: true });
  writeFileSync(join(checkout, ".hookbox", "admin-key"), "local-key\n");
  const env = { XDG_CONFIG_HOME: join(dir, "config") };

  it("env beats the stored login beats the checkout's .hookbox/admin-key", () => {
    expect(resolveTarget(env, join(checkout, "sub"))).toMatchObject({
      url: "http://localhost:3000",
      apiKey: "local-key",
    });
    mkdirSync(join(dir, "config", "hookbox"), { recursive: true });
    writeFileSync(
      join(dir, "config", "hookbox", "config.json"),
      JSON.stringify({ url: "https://h/", apiKey: "stored" }),
    );
    expect(resolveTarget(env, checkout)).toMatchObject({ url: "https://h", apiKey: "stored" });
    expect(
      resolveTarget({ ...env, HOOKBOX_URL: "https://e", HOOKBOX_API_KEY: "envkey" }, checkout),
    ).toMatchObject({
      url: "https://e",
      apiKey: "envkey",
      keyFrom: "HOOKBOX_API_KEY",
    });
  });

  it("no key anywhere: one line saying what to do", () => {
    expect(() => resolveTarget({ XDG_CONFIG_HOME: join(dir, "none") }, dir)).toThrow(/hookbox login/);
  });
});
