import { HandlerDefinitionError } from "./errors.ts";
import { parseHandlerDefinition } from "./parse-handler-definition.ts";
import type { ConfigSchema, HandlerDefinition, Provider } from "./types.ts";

/**
 * Types a handler definition and checks its shape; returns it unchanged (frozen). `const` type
 * parameters keep `events: ["invoice.*"]` a literal tuple, so `payload` narrows without `as const`.
 */
export function defineHandler<
  const TProvider extends Provider | undefined = undefined,
  const TEvents extends readonly string[] | undefined = undefined,
  TConfig extends ConfigSchema | undefined = undefined,
>(
  definition: HandlerDefinition<TProvider, TEvents, TConfig>,
): HandlerDefinition<TProvider, TEvents, TConfig> {
  const parsed = parseHandlerDefinition(definition);
  if (!parsed.ok) {
    const id = typeof definition?.id === "string" ? ` "${definition.id}"` : "";
    throw new HandlerDefinitionError(`handler${id}: ${parsed.problem}`);
  }
  return Object.freeze(definition);
}
