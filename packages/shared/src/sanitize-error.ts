/**
 * Errors as log fields, without the values a failed query was sent with. Those values are a
 * source's secrets, a forward handler's `headers`, an API key's hash. drizzle's DrizzleQueryError
 * carries them three times: an enumerable `params`, its message (`Failed query: <sql>\nparams:
 * <values>`) and the first line of its stack. postgres.js errors carry `parameters` and `args`
 * (enumerable in debug mode), and Postgres echoes row values in `detail`. The SQL text stays: it
 * holds placeholders only.
 */

/** Fields that hold a query's bound values: drizzle's `params`, postgres.js's `parameters`, `args`. */
const PARAMETER_FIELDS = new Set(["params", "parameters", "args"]);

const PARAMS_MARK = "\nparams: ";
/** In a stack whose first line is not the message as it is now: the params up to the first frame. */
const PARAMS_BEFORE_FRAMES = /\nparams: [\s\S]*?(?=\n\s+at |$)/g;

/** pino's error shape (type, message and stack with the causes appended), with nothing bound to a query. */
export interface SerializedError {
  type: string;
  message: string;
  stack: string;
  aggregateErrors?: SerializedError[];
  [field: string]: unknown;
}

type ErrorLike = Error & Record<string, unknown>;

function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === "object" && value !== null && typeof (value as Error).message === "string";
}

/** Cuts drizzle's `\nparams: …` from a "Failed query" message: the values run to its end. */
export function stripQueryParams(message: string): string {
  const at = message.indexOf(PARAMS_MARK);
  return at === -1 ? message : message.slice(0, at);
}

/** "Key (slug)=(value) already exists.", "Failing row contains (…)": the values go. */
function redactDetail(detail: string): string {
  return detail
    .replace(/\)=\(.*\)/s, ")=([redacted])")
    .replace(/Failing row contains \(.*\)/s, "Failing row contains ([redacted])");
}

function cleanStack(error: ErrorLike): string {
  const stack = typeof error.stack === "string" ? error.stack : "";
  const message = stripQueryParams(error.message);
  // The stack's first line is the message as it was built; replace it whole when it is there
  // (the values themselves may hold a line that looks like a stack frame).
  if (message !== error.message && stack.includes(error.message)) {
    return stack.replace(error.message, () => message);
  }
  return stack.includes(PARAMS_MARK) ? stack.replace(PARAMS_BEFORE_FRAMES, "") : stack;
}

/** The error and its error-like causes, each once. */
function causeChain(error: ErrorLike, seen: Set<unknown>): ErrorLike[] {
  const chain = [error];
  let cause = error.cause;
  while (isErrorLike(cause) && !seen.has(cause)) {
    seen.add(cause);
    chain.push(cause);
    cause = cause.cause;
  }
  return chain;
}

function serialize(error: ErrorLike, seen: Set<unknown>): SerializedError {
  seen.add(error);
  const chain = causeChain(error, seen);
  const out: SerializedError = {
    type: typeof error.constructor === "function" ? error.constructor.name : String(error.name),
    message: chain.map((e) => stripQueryParams(e.message)).join(": "),
    stack: chain.map(cleanStack).join("\ncaused by: "),
  };
  // drizzle's error has no code of its own; Postgres's (e.g. 57014) is on its cause.
  const code = chain.find((e) => e.code !== undefined)?.code;
  if (code !== undefined) out.code = code;
  const aggregate = (error as { errors?: unknown }).errors;
  if (Array.isArray(aggregate)) {
    out.aggregateErrors = aggregate.filter(isErrorLike).map((e) => serialize(e, seen));
  }
  for (const key in error) {
    if (key in out || PARAMETER_FIELDS.has(key)) continue;
    const value = error[key];
    if (isErrorLike(value)) {
      if (key !== "cause" && !seen.has(value)) out[key] = serialize(value, seen);
    } else if (typeof value === "string") {
      out[key] = key === "detail" ? redactDetail(value) : stripQueryParams(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * An error as a log field: type, message, code, stack and its other fields, its `cause` chain
 * and AggregateError `errors` included, without query parameters anywhere.
 */
export function sanitizeError(error: Error): SerializedError {
  return serialize(error as ErrorLike, new Set());
}

/** The logger's serializer for `err` and `error`: errors sanitized, a message string stripped. */
export function serializeLogError(value: unknown): unknown {
  if (isErrorLike(value)) return sanitizeError(value);
  if (typeof value === "string") return stripQueryParams(value);
  return value;
}

/** An Error under any other top-level key of a log line gets the same treatment. */
export function sanitizeErrorFields(object: Record<string, unknown>): Record<string, unknown> {
  let out = object;
  for (const key in object) {
    const value = object[key];
    if (value instanceof Error && key !== "err" && key !== "error") {
      if (out === object) out = { ...object };
      out[key] = sanitizeError(value);
    }
  }
  return out;
}
