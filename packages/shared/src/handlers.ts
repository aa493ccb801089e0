import { type AnyHandlerDefinition, explainEventsFilter, matchesEvents } from "@hookbox/sdk";
import { z } from "zod";
import { DEFAULT_TENANT_ID, type HandlerSpec, type Scheme } from "./domain.ts";

export { matchesEvents };

/**
 * Header names a `forward` config may not set: framing and routing (a second `Host` or
 * `Content-Length` makes the request mean something else to the receiver or a proxy on the way),
 * and hop-by-hop headers (RFC 9110 §7.6.1: for one connection, never forwarded). The headers
 * Hookbox sets (`Content-Type`, `User-Agent`, `X-Hookbox-Event-Id`) are not refused: they are
 * replaced, as they always were, so configs stored with them keep running (the worker parses
 * stored configs with this schema too, and releases a job whose config it refuses).
 */
export const FORWARD_HEADER_DENYLIST: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "expect",
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
]);
/** RFC 9110 `token`: what a field name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What Node sends in a field value (no CR, LF or NUL: no header or request splitting). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Why a forward header cannot be sent as given, or null: refused at creation, not at every attempt. */
function forwardHeaderProblem(name: string, value: string): string | null {
  if (!HEADER_NAME.test(name)) return "is not a valid header name";
  if (FORWARD_HEADER_DENYLIST.has(name.toLowerCase())) {
    return "cannot be set: framing, routing and hop-by-hop headers are refused";
  }
  if (!HEADER_VALUE.test(value)) return "has a value with a control character (CR, LF, NUL, …)";
  return null;
}

const ForwardHeadersSchema = z
  .record(z.string(), z.string().max(8192))
  .refine((headers) => Object.keys(headers).length <= 50, "at most 50 headers")
  .superRefine((headers, ctx) => {
    for (const [name, value] of Object.entries(headers)) {
      const problem = forwardHeaderProblem(name, value);
      if (problem) ctx.addIssue({ code: "custom", path: [name], message: problem });
    }
  });

/**
 * The built-in handlers and each one's config schema. The worker implements them; the api
 * validates a source's handlers against them, so a typo is a 400 at creation, not a dead event.
 */
export const HandlerConfigSchemas = {
  /** Writes a summary line to the worker log. */
  log: z.object({ level: z.enum(["info", "warn", "debug"]).default("info") }).strict(),
  /** POSTs the exact raw body to `url`; non-2xx or a network error is a failed attempt. */
  forward: z
    .object({
      url: z.url({ protocol: /^https?$/ }),
      timeoutMs: z.number().int().min(100).max(120_000).optional(),
      headers: ForwardHeadersSchema.optional(),
    })
    .strict(),
  /** Posts a one-line summary of the event to a Slack incoming-webhook URL. */
  slack: z
    .object({
      url: z.url({ protocol: /^https?$/ }),
      prefix: z.string().max(100).optional(),
      timeoutMs: z.number().int().min(100).max(60_000).optional(),
    })
    .strict(),
} as const;

export type BuiltinHandlerName = keyof typeof HandlerConfigSchemas;
/** @deprecated name kept for the built-ins' typed configs; code handlers are named by their id. */
export type HandlerName = BuiltinHandlerName;
export const BUILTIN_HANDLER_NAMES = Object.keys(HandlerConfigSchemas) as BuiltinHandlerName[];

export type HandlerConfig<N extends BuiltinHandlerName> = z.infer<(typeof HandlerConfigSchemas)[N]>;

type ParsedConfig = { ok: true; config: Record<string, unknown> } | { ok: false; problems: string[] };

/** Per-handler retry settings; missing fields fall back to MAX_ATTEMPTS and RETRY_*_DELAY_MS. */
export interface HandlerRetry {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * What api and worker know about one deployable handler, built-in or code. The deployed code is
 * the allowlist: an entry exists only for a built-in or a module loaded from HANDLERS_DIR.
 */
export interface HandlerCatalogEntry {
  name: string;
  kind: "builtin" | "code";
  /** Built-ins: "builtin"; code: a hash of the module file, so side-by-side versions are told apart. */
  version: string;
  /** Types `payload` in the SDK; a provider handler attaches only to a source of that scheme. */
  provider?: string;
  /** The handler's own event filter (globs, `!x` excludes); a source may narrow it further. */
  events?: readonly string[];
  /**
   * Which tenants may attach it: "*" (offered to every tenant) or tenant ids. Code handlers
   * default to the operator's own tenant (`default`) only: a tenant never runs operator code it
   * was not offered. Built-ins are offered to everyone.
   */
  tenants: "*" | readonly string[];
  retry?: HandlerRetry;
  timeoutMs?: number;
  /** The module file, for code handlers. */
  file?: string;
  /** JSON Schema of the config (what the manifest carries), when it can be derived. */
  configJsonSchema: unknown;
  parseConfig(config: unknown): ParsedConfig;
  /** Code handlers: the loaded definition (the worker runs its `handle`). */
  definition?: AnyHandlerDefinition;
}

/** A config parser from a zod schema: the parsed config, or one `config.<path>: message` line per issue. */
export function zodConfigParser(schema: z.ZodType): (config: unknown) => ParsedConfig {
  return (config) => {
    const parsed = schema.safeParse(config ?? {});
    if (parsed.success) return { ok: true, config: (parsed.data ?? {}) as Record<string, unknown> };
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `config.${i.path.join(".")}: ${i.message}`),
    };
  };
}

function jsonSchemaOf(schema: unknown): unknown {
  try {
    return z.toJSONSchema(schema as z.ZodType, { unrepresentable: "any" });
  } catch {
    return null;
  }
}

export function builtinCatalogEntries(): HandlerCatalogEntry[] {
  return BUILTIN_HANDLER_NAMES.map((name) => ({
    name,
    kind: "builtin",
    version: "builtin",
    tenants: "*",
    configJsonSchema: jsonSchemaOf(HandlerConfigSchemas[name]),
    parseConfig: zodConfigParser(HandlerConfigSchemas[name]),
  }));
}

type StandardSchema = {
  "~standard": {
    validate(
      value: unknown,
    ):
      | { value?: unknown; issues?: readonly { message: string; path?: readonly unknown[] }[] }
      | Promise<unknown>;
  };
};

/** A code handler's config parser: zod's `safeParse`, or any Standard Schema (sync validate). */
function definitionParser(definition: AnyHandlerDefinition): (config: unknown) => ParsedConfig {
  const schema = definition.config as unknown;
  if (schema === undefined || schema === null) {
    return (config) =>
      config === undefined ||
      config === null ||
      (typeof config === "object" && Object.keys(config).length === 0)
        ? { ok: true, config: {} }
        : { ok: false, problems: [`config: handler "${definition.id}" takes no config`] };
  }
  if (typeof (schema as { safeParse?: unknown }).safeParse === "function")
    return zodConfigParser(schema as z.ZodType);
  return (config) => {
    const result = (schema as StandardSchema)["~standard"].validate(config ?? {});
    if (result instanceof Promise)
      return { ok: false, problems: ["config: asynchronous config schemas are not supported"] };
    const r = result as {
      value?: unknown;
      issues?: readonly { message: string; path?: readonly unknown[] }[];
    };
    if (r.issues?.length) {
      return {
        ok: false,
        problems: r.issues.map((i) => `config.${(i.path ?? []).map(String).join(".")}: ${i.message}`),
      };
    }
    return { ok: true, config: (r.value ?? {}) as Record<string, unknown> };
  };
}

export function codeCatalogEntry(loaded: {
  definition: AnyHandlerDefinition;
  version: string;
  file: string;
}): HandlerCatalogEntry {
  const { definition } = loaded;
  return {
    name: definition.id,
    kind: "code",
    version: loaded.version,
    ...(definition.provider ? { provider: definition.provider } : {}),
    ...(definition.events ? { events: definition.events } : {}),
    tenants: definition.tenants ?? [DEFAULT_TENANT_ID],
    ...(definition.retry ? { retry: definition.retry } : {}),
    ...(definition.timeoutMs ? { timeoutMs: definition.timeoutMs } : {}),
    file: loaded.file,
    configJsonSchema: definition.config ? jsonSchemaOf(definition.config) : null,
    parseConfig: definitionParser(definition),
    definition,
  };
}

export interface HandlerCatalog {
  get(name: string): HandlerCatalogEntry | undefined;
  entries(): HandlerCatalogEntry[];
}

export function createHandlerCatalog(entries: readonly HandlerCatalogEntry[]): HandlerCatalog {
  const byName = new Map(entries.map((e) => [e.name, e]));
  return { get: (name) => byName.get(name), entries: () => [...byName.values()] };
}

/** The scheme a provider-typed handler needs (its payload type assumes that sender). */
const PROVIDER_SCHEMES: Record<string, Scheme> = {
  stripe: "stripe",
  github: "github",
  shopify: "shopify",
  slack: "slack",
  "standard-webhooks": "standard-webhooks",
};

export function isOfferedTo(entry: Pick<HandlerCatalogEntry, "tenants">, tenantId: string): boolean {
  return entry.tenants === "*" || entry.tenants.includes(tenantId);
}

const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** A handler attachment's config is settings, not data: every claim of an event loads it. */
export const MAX_HANDLER_CONFIG_BYTES = 16 * 1024;
const MAX_EVENT_PATTERNS = 50;

/** A source's handlers as the API takes them: `{name, key?, events?, config?}`. */
export interface HandlerSpecInput {
  name: string;
  key?: string | undefined;
  events?: string[] | undefined;
  config?: Record<string, unknown> | undefined;
}

/**
 * Validates a source's handler list: known names (with the list of known ones), offered to the
 * tenant, provider matches the scheme, config valid for the handler, keys unique. Returns the
 * specs to store (parsed configs, keys filled in) or one problem line each.
 */
export function parseHandlerSpecs(
  input: readonly HandlerSpecInput[],
  context: { catalog: HandlerCatalog; tenantId: string; scheme: Scheme },
): { ok: true; specs: HandlerSpec[] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const offered = context.catalog
    .entries()
    .filter((e) => isOfferedTo(e, context.tenantId))
    .map((e) => e.name)
    .sort();
  const specs = input.map((h, i): HandlerSpec => {
    const at = `handlers.${i}`;
    const key = h.key ?? h.name;
    const spec: HandlerSpec = {
      name: h.name,
      key,
      ...(h.events ? { events: h.events } : {}),
      config: h.config ?? {},
    };
    const entry = context.catalog.get(h.name);
    if (!entry || !isOfferedTo(entry, context.tenantId)) {
      problems.push(`${at}: unknown handler "${h.name}" (known: ${offered.join(", ")})`);
      return spec;
    }
    if (!KEY_PATTERN.test(key))
      problems.push(`${at}.key: must be 1-64 characters of a-z, 0-9, _ and - (got "${key}")`);
    const needs = entry.provider ? PROVIDER_SCHEMES[entry.provider] : undefined;
    if (needs && needs !== context.scheme) {
      problems.push(
        `${at}: handler "${h.name}" handles ${entry.provider} events; this source's scheme is "${context.scheme}"`,
      );
    }
    if (h.events) {
      if (h.events.length > MAX_EVENT_PATTERNS)
        problems.push(`${at}.events: at most ${MAX_EVENT_PATTERNS} patterns`);
      for (const [j, p] of h.events.entries()) {
        if (typeof p !== "string" || p.length === 0 || p.length > 200 || p === "!") {
          problems.push(`${at}.events.${j}: must be a non-empty pattern of at most 200 characters`);
        }
      }
    }
    const size = Buffer.byteLength(JSON.stringify(h.config ?? {}));
    if (size > MAX_HANDLER_CONFIG_BYTES) {
      problems.push(`${at}.config: at most ${MAX_HANDLER_CONFIG_BYTES} bytes of JSON (got ${size})`);
      return spec;
    }
    const parsed = entry.parseConfig(h.config ?? {});
    if (!parsed.ok) problems.push(...parsed.problems.map((p) => `${at}: ${p}`));
    else spec.config = parsed.config;
    return spec;
  });
  const keys = specs.map((s) => s.key);
  const repeated = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
  if (repeated.length > 0) {
    problems.push(
      `handlers: each key may appear once (repeated: ${repeated.join(", ")}); give each attachment of one handler its own "key"`,
    );
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, specs };
}

/**
 * Why a handler attachment does not run for this event type (the `filtered` reason), or null
 * when it applies: both the handler's own `events` and the source's `events` must let it through.
 */
export function handlerFilterReason(
  entry: Pick<HandlerCatalogEntry, "events"> | undefined,
  spec: Pick<HandlerSpec, "events">,
  type: string | null,
): string | null {
  const own = explainEventsFilter(entry?.events, type);
  if (own) return `handler events: ${own}`;
  const source = explainEventsFilter(spec.events, type);
  return source ? `source events: ${source}` : null;
}
