import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./config/index.ts";
import {
  createSecretBox,
  DEV_ENCRYPTION_KEY,
  encryptionKeyId,
  isSealed,
  parseEncryptionKey,
  SecretBoxError,
  secretBoxOf,
} from "./secrets-at-rest.ts";
import {
  keepMaskedHeaders,
  MASKED_VALUE,
  maskHandlers,
  openHandlers,
  sealHandlers,
} from "./source-secrets.ts";

const keyA = randomBytes(32);
const keyB = randomBytes(32);

describe("secret box", () => {
  it("seals to a value that names the key and does not contain the plaintext, and opens it", () => {
    const box = createSecretBox(keyA);
    const sealed = box.seal("whsec_s3cr3t-value");
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).toMatch(new RegExp(`^enc:v1:${encryptionKeyId(keyA)}:`));
    expect(sealed).not.toContain("s3cr3t");
    expect(box.open(sealed)).toBe("whsec_s3cr3t-value");
    // A fresh IV each time: equal secrets do not give equal ciphertexts.
    expect(box.seal("whsec_s3cr3t-value")).not.toBe(sealed);
  });

  it.each([
    ["a flipped ciphertext byte", (d: Buffer) => d.length - 1],
    ["a flipped tag byte", () => 12],
    ["a flipped iv byte", () => 0],
  ])("refuses a value with %s", (_name, at) => {
    const box = createSecretBox(keyA);
    const [prefix, data = ""] = box.seal("the secret").split(/:(?=[^:]+$)/);
    const bytes = Buffer.from(data, "base64url");
    const i = at(bytes);
    bytes[i] = (bytes[i] ?? 0) ^ 1;
    expect(() => box.open(`${prefix}:${bytes.toString("base64url")}`)).toThrow(SecretBoxError);
  });

  it("refuses a truncated value", () => {
    const box = createSecretBox(keyA);
    expect(() => box.open(`enc:v1:${box.keyId}:AAAA`)).toThrow(SecretBoxError);
  });

  it("refuses a value sealed with a key it does not have, naming the key id and not the plaintext", () => {
    const sealed = createSecretBox(keyB).seal("never shown");
    const open = () => createSecretBox(keyA).open(sealed);
    expect(open).toThrow(`key id ${encryptionKeyId(keyB)}`);
    expect(open).not.toThrow("never shown");
  });

  it("refuses a value under a forged key id that is not its key (same id, other key)", () => {
    const sealed = createSecretBox(keyB).seal("x").replace(encryptionKeyId(keyB), encryptionKeyId(keyA));
    expect(() => createSecretBox(keyA).open(sealed)).toThrow("does not open");
  });

  it("rotation: the new key opens what the previous key sealed, reseals it, and then needs it no more", () => {
    const before = createSecretBox(keyA).seal("rotate me");
    const rotated = createSecretBox(keyB, [keyA]);
    expect(rotated.open(before)).toBe("rotate me");
    const after = rotated.reseal(before);
    expect(after).not.toBe(before);
    expect(after).toContain(`:${encryptionKeyId(keyB)}:`);
    expect(rotated.reseal(after)).toBe(after); // already current: unchanged
    expect(createSecretBox(keyB).open(after)).toBe("rotate me");
    expect(() => createSecretBox(keyB).open(before)).toThrow(SecretBoxError);
  });

  it("passes plaintext (rows from before encryption) through open, and reseal seals it", () => {
    const box = createSecretBox(keyA);
    expect(box.open("legacy-plaintext")).toBe("legacy-plaintext");
    const sealed = box.reseal("legacy-plaintext");
    expect(isSealed(sealed)).toBe(true);
    expect(box.open(sealed)).toBe("legacy-plaintext");
  });

  it.each([
    ["base64", keyA.toString("base64"), true],
    ["base64url", keyA.toString("base64url"), true],
    ["hex", keyA.toString("hex"), true],
    ["16 bytes", randomBytes(16).toString("base64"), false],
    ["a passphrase", "correct horse battery staple", false],
  ])("parses a key in %s: %s", (_name, text, ok) => {
    expect(parseEncryptionKey(text) !== null).toBe(ok);
  });
});

describe("config", () => {
  it("requires ENCRYPTION_KEY in production, with a clear message", () => {
    const result = parseConfig({ NODE_ENV: "production", ADMIN_API_KEY: "x".repeat(32) });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems.join("\n")).toMatch(/ENCRYPTION_KEY: is required when NODE_ENV=production/);
  });

  it("refuses a key that is not 32 bytes", () => {
    const result = parseConfig({ ENCRYPTION_KEY: "too-short", ENCRYPTION_KEYS_PREVIOUS: "also,bad" });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.join("\n")).toContain("ENCRYPTION_KEY: must be 32 bytes");
      expect(result.problems.join("\n")).toContain("ENCRYPTION_KEYS_PREVIOUS.0: must be 32 bytes");
    }
  });

  it("uses the dev key in development and the configured keys otherwise", () => {
    const dev = parseConfig({});
    expect(dev.ok && secretBoxOf(dev.config).keyId).toBe(
      encryptionKeyId(parseEncryptionKey(DEV_ENCRYPTION_KEY) as Buffer),
    );
    const prod = parseConfig({
      NODE_ENV: "production",
      ADMIN_API_KEY: "x".repeat(32),
      ENCRYPTION_KEY: keyB.toString("hex"),
      ENCRYPTION_KEYS_PREVIOUS: ` ${keyA.toString("base64")} ,`,
    });
    if (!prod.ok) throw new Error(prod.problems.join("; "));
    const box = secretBoxOf(prod.config);
    expect(box.keyId).toBe(encryptionKeyId(keyB));
    expect(box.open(createSecretBox(keyA).seal("old"))).toBe("old");
  });
});

describe("forward header values", () => {
  const box = createSecretBox(keyA);
  const handlers = [
    {
      name: "forward",
      key: "billing",
      config: { url: "https://x.test/", headers: { Authorization: "Bearer t0k" } },
    },
    { name: "log", key: "log", config: { level: "info" } },
  ];

  it("are sealed, opened and masked; other handlers are untouched", () => {
    const sealed = sealHandlers(box, handlers);
    expect(JSON.stringify(sealed)).not.toContain("t0k");
    expect(sealed[1]).toBe(handlers[1]);
    expect(openHandlers(box, sealed)).toEqual(handlers);
    expect(maskHandlers(sealed)[0]?.config.headers).toEqual({ Authorization: MASKED_VALUE });
  });

  it("a masked value sent back keeps the stored one (same key, header name in any case); a new value replaces it", () => {
    const stored = sealHandlers(box, handlers);
    const input = [
      {
        name: "forward",
        key: "billing",
        config: { url: "https://x.test/", headers: { authorization: MASKED_VALUE, "x-new": "v" } },
      },
    ];
    const kept = keepMaskedHeaders(input, stored);
    if (!kept.ok) throw new Error(kept.problems.join());
    expect(openHandlers(box, kept.handlers)[0]?.config.headers).toEqual({
      authorization: "Bearer t0k",
      "x-new": "v",
    });
  });

  it("a masked value with nothing stored under that key is refused", () => {
    const input = [
      { name: "forward", key: "other", config: { url: "https://x.test/", headers: { a: MASKED_VALUE } } },
    ];
    const kept = keepMaskedHeaders(input, sealHandlers(box, handlers));
    expect(kept.ok).toBe(false);
    if (!kept.ok) expect(kept.problems.join()).toContain('key "other" header "a"');
  });
});
