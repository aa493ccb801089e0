import { z } from "zod";

/**
 * The handler allowlist and each handler's config schema. The worker implements them; the api
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
      headers: z.record(z.string(), z.string()).optional(),
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

export type HandlerName = keyof typeof HandlerConfigSchemas;
export const HANDLER_NAMES = Object.keys(HandlerConfigSchemas) as HandlerName[];

export type HandlerConfig<N extends HandlerName> = z.infer<(typeof HandlerConfigSchemas)[N]>;

/** Validates `{name, config}`; returns the parsed config or the problems. */
export function parseHandlerSpec(
  name: string,
  config: unknown,
): { ok: true; config: Record<string, unknown> } | { ok: false; problems: string[] } {
  if (!Object.hasOwn(HandlerConfigSchemas, name)) {
    return { ok: false, problems: [`unknown handler "${name}" (known: ${HANDLER_NAMES.join(", ")})`] };
  }
  const parsed = HandlerConfigSchemas[name as HandlerName].safeParse(config ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `config.${i.path.join(".")}: ${i.message}`),
    };
  }
  return { ok: true, config: parsed.data };
}
