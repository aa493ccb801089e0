import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Secrets at rest: AES-256-GCM with a key from config (ENCRYPTION_KEY), as a self-describing
 * string `enc:v1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>` so a sealed value fits wherever
 * the plaintext was (a jsonb string: a source secret, a forward header value).
 *
 * Rotation: the key id (derived from the key, nothing to configure) says which key sealed a
 * value; ENCRYPTION_KEYS_PREVIOUS still open, only ENCRYPTION_KEY seals, and `reseal` rewrites
 * what an older key (or no key: rows written before encryption) left behind.
 */
export interface SecretBox {
  /** The key id of ENCRYPTION_KEY: what `seal` writes. */
  readonly keyId: string;
  seal(plaintext: string): string;
  /**
   * The plaintext of a sealed value. A value that is not sealed is returned as it is: rows
   * written before encryption (or by an older replica during a rolling upgrade) keep working
   * until the start step seals them. A sealed value that does not open throws.
   */
  open(value: string): string;
  /** The value sealed with ENCRYPTION_KEY: unchanged when it already is, else (re)sealed. */
  reseal(value: string): string;
}

const PREFIX = "enc:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED = /^enc:v1:([0-9a-f]{8}):([A-Za-z0-9_-]+)$/;

/** 32 bytes from base64 (or base64url) or hex; null when it is neither or not 32 bytes long. */
export function parseEncryptionKey(text: string): Buffer | null {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)
      ? Buffer.from(trimmed, "base64")
      : null;
  return key?.length === 32 ? key : null;
}

/** A key's id: the first 4 bytes of a hash of it (names the key, reveals nothing of it). */
export function encryptionKeyId(key: Buffer): string {
  return createHash("sha256").update("hookbox-secrets-at-rest:").update(key).digest("hex").slice(0, 8);
}

/** Whether `value` has the sealed form (says nothing about which key, or whether it opens). */
export function isSealed(value: string): boolean {
  return SEALED.test(value);
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

/** A box that seals with `current` and opens with it and any of `previous`. */
export function createSecretBox(current: Buffer, previous: readonly Buffer[] = []): SecretBox {
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...previous]) keys.set(encryptionKeyId(key), key);
  const keyId = encryptionKeyId(current);

  const seal = (plaintext: string): string => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", current, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${PREFIX}${keyId}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64url")}`;
  };

  const open = (value: string): string => {
    const match = SEALED.exec(value);
    if (!match) return value;
    const [, id = "", data = ""] = match;
    const key = keys.get(id);
    if (!key) {
      throw new SecretBoxError(
        `a secret is sealed with key id ${id}, which is neither ENCRYPTION_KEY (${keyId}) nor in ENCRYPTION_KEYS_PREVIOUS`,
      );
    }
    const bytes = Buffer.from(data, "base64url");
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError("a sealed secret is truncated");
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      // GCM's tag: a changed byte, or a key of the same id that is not the key (never the text).
      throw new SecretBoxError(`a secret sealed with key id ${id} does not open (tampered, or another key)`);
    }
  };

  return {
    keyId,
    seal,
    open,
    reseal: (value) => (SEALED.exec(value)?.[1] === keyId ? value : seal(open(value))),
  };
}

/**
 * A fixed key for development and test only (config refuses to fall back to it in production):
 * a database written with it is as readable as plaintext to anyone who has this source code.
 */
export const DEV_ENCRYPTION_KEY = "aG9va2JveC1kZXZlbG9wbWVudC1rZXktbm90LXNlY3I=";

const boxes = new WeakMap<object, SecretBox>();

/** The box of a parsed config (one per config object: the keys are parsed once). */
export function secretBoxOf(config: {
  encryptionKey: string;
  encryptionKeysPrevious: readonly string[];
}): SecretBox {
  let box = boxes.get(config);
  if (!box) {
    const parse = (text: string) => {
      const key = parseEncryptionKey(text);
      if (!key) throw new SecretBoxError("an encryption key is not 32 bytes of base64 or hex");
      return key;
    };
    box = createSecretBox(parse(config.encryptionKey), config.encryptionKeysPrevious.map(parse));
    boxes.set(config, box);
  }
  return box;
}
