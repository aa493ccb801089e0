// Handler directories may resolve their own copy of @hookbox/sdk, so `instanceof` against the
// worker's copy would miss their errors: each class carries a registry symbol as a brand, and
// the `is…` functions (and `instanceof` on these classes) check the brand.

const NON_RETRIABLE = Symbol.for("hookbox.NonRetriableError");
const RETRY_AFTER = Symbol.for("hookbox.RetryAfterError");

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** Thrown by a handler: do not retry, dead-letter this handler for the event now. */
export class NonRetriableError extends Error {
  override name = "NonRetriableError";
  readonly [NON_RETRIABLE] = true;
}

/** Thrown by a handler: this attempt failed, try again in `delayMs` (e.g. the upstream's Retry-After). */
export class RetryAfterError extends Error {
  override name = "RetryAfterError";
  readonly [RETRY_AFTER] = true;
  readonly delayMs: number;

  constructor(delayMs: number, message?: string, options?: ErrorOptions) {
    super(message ?? `retry after ${delayMs} ms`, options);
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new RangeError(`RetryAfterError: delayMs must be a finite number ≥ 0 (got ${delayMs})`);
    }
    this.delayMs = Math.ceil(delayMs);
  }
}

export function isNonRetriableError(value: unknown): value is NonRetriableError {
  return hasBrand(value, NON_RETRIABLE);
}

export function isRetryAfterError(value: unknown): value is RetryAfterError {
  return hasBrand(value, RETRY_AFTER) && typeof (value as { delayMs?: unknown }).delayMs === "number";
}

/** `instanceof base` by brand; a subclass (`this` is not `base`) keeps the ordinary prototype check. */
function instanceofByBrand(
  base: abstract new (...args: never[]) => Error,
  isBranded: (value: unknown) => boolean,
) {
  Object.defineProperty(base, Symbol.hasInstance, {
    value: function (this: object, value: unknown): boolean {
      return this === base ? isBranded(value) : Function.prototype[Symbol.hasInstance].call(this, value);
    },
  });
}
instanceofByBrand(NonRetriableError, isNonRetriableError);
instanceofByBrand(RetryAfterError, isRetryAfterError);

/** Thrown by `defineHandler` when its argument is not a valid handler definition. */
export class HandlerDefinitionError extends Error {
  override name = "HandlerDefinitionError";
}
