import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { SCHEME_SPECS, SCHEMES, type Scheme } from "@hookbox/shared";
import { describe, expect, it } from "vitest";
import { verifierFor } from "./index.ts";
import { safeEqual } from "./safe-equal.ts";

interface Vector {
  scheme: string;
  secret: string;
  timestamp?: number;
  payload: string;
  headers: Record<string, string>;
}

// A copy of ../shared/test-vectors/signatures.json (kept in the repo so a clone can run it).
const { vectors } = JSON.parse(
  readFileSync(new URL("../../test/fixtures/signatures.json", import.meta.url), "utf8"),
) as {
  vectors: Vector[];
};

const implemented = vectors.filter((v) => verifierFor(v.scheme as Scheme) !== undefined);

function verifierOf(v: Vector) {
  const verifier = verifierFor(v.scheme as Scheme);
  if (!verifier) throw new Error(`no verifier for ${v.scheme}`);
  return verifier;
}

function verify(
  v: Vector,
  overrides: { body?: Buffer; headers?: Record<string, string>; secrets?: string[] } = {},
) {
  return verifierOf(v).verify({
    headers: new Headers(overrides.headers ?? v.headers),
    body: overrides.body ?? Buffer.from(v.payload, "utf8"),
    secrets: overrides.secrets ?? [v.secret],
    toleranceSeconds: 300,
    now: (v.timestamp ?? 1_700_000_000) * 1000,
  });
}

describe("known-answer vectors", () => {
  it("covers every signed scheme, and every vector has a verifier", () => {
    expect(implemented).toHaveLength(vectors.length);
    expect(new Set(vectors.map((v) => v.scheme))).toEqual(
      new Set(SCHEMES.filter((s) => SCHEME_SPECS[s].verification === "hmac")),
    );
    expect(new Set(vectors.filter((v) => v.timestamp).map((v) => v.scheme))).toEqual(
      new Set(SCHEMES.filter((s) => SCHEME_SPECS[s].timestamped)),
    );
  });

  it.each(implemented.filter((v) => v.timestamp).map((v) => [v.scheme, v] as const))(
    "%s vector is refused one hour later (the clock matters)",
    (_scheme, v) => {
      const result = verifierOf(v).verify({
        headers: new Headers(v.headers),
        body: Buffer.from(v.payload),
        secrets: [v.secret],
        toleranceSeconds: 300,
        now: ((v.timestamp as number) + 3600) * 1000,
      });
      expect(result).toEqual({ ok: false, reason: "timestamp_out_of_tolerance" });
    },
  );

  it.each(implemented.map((v) => [v.scheme, v] as const))("%s vector verifies", (_scheme, v) => {
    expect(verify(v)).toEqual({ ok: true, secretIndex: 0 });
  });

  it.each(implemented.map((v) => [v.scheme, v] as const))(
    "%s vector fails with a tampered body",
    (_scheme, v) => {
      expect(verify(v, { body: Buffer.from(`${v.payload} `) })).toEqual({
        ok: false,
        reason: "signature_mismatch",
      });
    },
  );

  it.each(implemented.map((v) => [v.scheme, v] as const))(
    "%s vector fails with another secret",
    (_scheme, v) => {
      expect(verify(v, { secrets: ["another-secret"] })).toMatchObject({ ok: false });
    },
  );
});

describe("hmac-sha256", () => {
  const v = vectors.find((x) => x.scheme === "hmac-sha256") as Vector;
  const signature = v.headers["X-Signature"] as string;

  it.each([
    ["missing header", {}, "missing_signature"],
    ["wrong length", { "x-signature": signature.slice(0, 20) }, "signature_mismatch"],
    ["not hex", { "x-signature": "zz".repeat(32) }, "malformed_signature"],
    ["odd length hex", { "x-signature": `${signature}a` }, "malformed_signature"],
  ])("%s → refused, never throws", (_name, headers, reason) => {
    expect(verify(v, { headers })).toEqual({ ok: false, reason });
  });

  it("accepts the sha256= prefix", () => {
    expect(verify(v, { headers: { "x-signature": `sha256=${signature}` } })).toMatchObject({ ok: true });
  });

  it("verifies with any of several secrets and says which", () => {
    expect(verify(v, { secrets: ["old-one", v.secret] })).toEqual({ ok: true, secretIndex: 1 });
  });

  it("two different invalid-UTF-8 bodies do not share a signature (raw bytes are signed)", () => {
    const a = Buffer.from([0xff, 0xfe, 0x41]);
    const b = Buffer.from([0xfe, 0xff, 0x41]);
    const sigA = createHmac("sha256", "k").update(a).digest("hex");
    expect(verify({ ...v, secret: "k" }, { body: a, headers: { "x-signature": sigA } })).toMatchObject({
      ok: true,
    });
    expect(verify({ ...v, secret: "k" }, { body: b, headers: { "x-signature": sigA } })).toMatchObject({
      ok: false,
    });
  });
});

describe("token", () => {
  const base = { scheme: "token", secret: "tok-secret-123", payload: "{}", headers: {} };
  it.each([
    ["X-Webhook-Token", { "x-webhook-token": "tok-secret-123" }, true],
    ["Bearer", { authorization: "Bearer tok-secret-123" }, true],
    ["wrong token", { "x-webhook-token": "tok-secret-124" }, false],
    ["wrong length", { "x-webhook-token": "t" }, false],
    ["missing", {}, false],
  ])("%s", (_name, headers, ok) => {
    expect(verify(base, { headers }).ok).toBe(ok);
  });
});

describe("safeEqual", () => {
  it("is false, not a throw, for unequal lengths", () => {
    expect(safeEqual(Buffer.from("abc"), Buffer.from("abcd"))).toBe(false);
    expect(safeEqual(Buffer.alloc(0), Buffer.from("a"))).toBe(false);
    expect(safeEqual(Buffer.from("abc"), Buffer.from("abc"))).toBe(true);
  });
});
