import { randomBytes } from "node:crypto";
import { type HandlerSpec, handlerKeyOf, type SourceSecret } from "./domain.ts";
import type { SecretBox } from "./secrets-at-rest.ts";

// Which values of a source row are secrets, sealed at rest (see secrets-at-rest.ts): every
// `secrets[].secret` and `forward_secrets[].secret`, and the header values of `forward` handlers.

/** What a forward header value reads as: the values are write-only. */
export const MASKED_VALUE = "***";

/** Secrets that still verify (or sign) at `now`, oldest first. */
export function activeSecrets(secrets: readonly SourceSecret[], now: number): string[] {
  return secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now).map((s) => s.secret);
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function generateWhsecSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export function sealSecretList(box: SecretBox, secrets: readonly SourceSecret[]): SourceSecret[] {
  return secrets.map((s) => ({ ...s, secret: box.reseal(s.secret) }));
}

export function openSecretList(box: SecretBox, secrets: readonly SourceSecret[]): SourceSecret[] {
  return secrets.map((s) => ({ ...s, secret: box.open(s.secret) }));
}

type HeaderMap = (value: string, key: string, name: string) => string;

/** The handlers with every `forward` header value through `map` (the rest as they are). */
function mapForwardHeaders<S extends HandlerSpec | Omit<HandlerSpec, "key">>(
  handlers: readonly S[],
  map: HeaderMap,
): S[] {
  return handlers.map((spec) => {
    const headers = spec.name === "forward" ? spec.config?.headers : undefined;
    if (!headers || typeof headers !== "object") return spec;
    const key = handlerKeyOf(spec);
    const mapped = Object.fromEntries(
      Object.entries(headers as Record<string, string>).map(([name, value]) => [name, map(value, key, name)]),
    );
    return { ...spec, config: { ...spec.config, headers: mapped } };
  });
}

export const sealHandlers = <S extends HandlerSpec>(box: SecretBox, handlers: readonly S[]): S[] =>
  mapForwardHeaders(handlers, (value) => box.reseal(value));
export const openHandlers = <S extends HandlerSpec>(box: SecretBox, handlers: readonly S[]): S[] =>
  mapForwardHeaders(handlers, (value) => box.open(value));
/** What reads show (API, console): every forward header value is `***`. */
export const maskHandlers = <S extends HandlerSpec>(handlers: readonly S[]): S[] =>
  mapForwardHeaders(handlers, () => MASKED_VALUE);

/**
 * An update's handlers, where a header value sent back as `***` (what a read showed) keeps the
 * value stored for the same handler key and header name (names compare case-insensitively).
 * A `***` with nothing stored to keep is a problem (it would forward the three stars).
 */
export function keepMaskedHeaders(
  input: readonly HandlerSpec[],
  stored: readonly HandlerSpec[],
): { ok: true; handlers: HandlerSpec[] } | { ok: false; problems: string[] } {
  const before = new Map<string, string>();
  mapForwardHeaders(stored, (value, key, name) => {
    before.set(`${key}\n${name.toLowerCase()}`, value);
    return value;
  });
  const problems: string[] = [];
  const handlers = mapForwardHeaders(input, (value, key, name) => {
    if (value !== MASKED_VALUE) return value;
    const kept = before.get(`${key}\n${name.toLowerCase()}`);
    if (kept === undefined)
      problems.push(
        `handlers: key "${key}" header "${name}": "***" keeps a stored value, and none is stored`,
      );
    return kept ?? value;
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, handlers };
}
