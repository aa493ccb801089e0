import type { AnyHandlerDefinition } from "./types.ts";

export type ValidatedConfig = { ok: true; value: unknown } | { ok: false; problems: string[] };

type Issue = { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined };
type SafeParser = {
  safeParse(
    value: unknown,
  ): { success: true; data: unknown } | { success: false; error: { issues: Issue[] } };
};
type Standard = { "~standard": { validate(value: unknown): unknown } };

function problemLines(issues: readonly Issue[]): string[] {
  return issues.map((issue) => {
    const path = (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p));
    return `config${path.length > 0 ? `.${path.join(".")}` : ""}: ${issue.message}`;
  });
}

/**
 * Parses the config a source attaches to a handler with the handler's `config` schema (Standard
 * Schema `validate`, else zod's `safeParse`). Absent config is validated as `{}`, the way the
 * built-in handlers' configs are; a handler without a schema takes no config.
 */
export async function validateHandlerConfig(
  handler: AnyHandlerDefinition,
  config: unknown,
): Promise<ValidatedConfig> {
  const value = config ?? {};
  const schema = handler.config as Partial<Standard & SafeParser> | undefined;
  if (schema === undefined) {
    const empty = typeof value === "object" && value !== null && Object.keys(value).length === 0;
    return empty
      ? { ok: true, value: {} }
      : { ok: false, problems: [`config: handler "${handler.id}" takes no config`] };
  }
  if (schema["~standard"] !== undefined) {
    const result = (await schema["~standard"].validate(value)) as {
      value?: unknown;
      issues?: readonly Issue[];
    };
    return result.issues === undefined
      ? { ok: true, value: result.value }
      : { ok: false, problems: problemLines(result.issues) };
  }
  const parsed = (schema as SafeParser).safeParse(value);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, problems: problemLines(parsed.error.issues) };
}
