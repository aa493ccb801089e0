export { type ValidatedConfig, validateHandlerConfig } from "./config.ts";
export { defineHandler } from "./define-handler.ts";
export {
  HandlerDefinitionError,
  isNonRetriableError,
  isRetryAfterError,
  NonRetriableError,
  RetryAfterError,
} from "./errors.ts";
export { eventPatternProblem, explainEventsFilter, matchesEvents } from "./events-filter.ts";
export { type ParsedHandlerDefinition, parseHandlerDefinition } from "./parse-handler-definition.ts";
export { parsePayload } from "./payload.ts";
export type * from "./payloads/index.ts";
export {
  type CreateStepOptions,
  createStep,
  type Jsonified,
  type Step,
  type StepReport,
  type StepStore,
  toJson,
} from "./step.ts";
export {
  type AnyHandlerDefinition,
  type ConfigOf,
  type ConfigSchema,
  type HandlerContext,
  type HandlerDefinition,
  type HandlerEvent,
  type HandlerLogger,
  type Json,
  PROVIDERS,
  type Provider,
  type RetryOptions,
  type StandardSchemaResult,
  type StandardSchemaV1,
  type TenantsOption,
} from "./types.ts";
