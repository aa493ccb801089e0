import type { Json } from "./types.ts";

/** Where step results live: the worker's is a Postgres table keyed by (event, run, handler key, step). */
export interface StepStore {
  load(name: string): Promise<{ found: true; value: Json } | { found: false }>;
  /** Stores `value` unless the step already has a result; returns the stored one (the first writer's). */
  save(name: string, value: Json): Promise<Json>;
}

/**
 * `step(name, fn)`: the first attempt to reach it runs `fn` and stores its result; every later
 * attempt of the same run of the same handler gets the stored result without running `fn`.
 * `fn` runs at least once: if the process dies after `fn` and before the save, it runs again.
 */
export type Step = <T>(name: string, fn: () => T | Promise<T>) => Promise<Jsonified<T>>;

export type StepReport =
  | { name: string; outcome: "cached" | "saved"; durationMs: number }
  | { name: string; outcome: "failed"; durationMs: number; error: unknown };

export interface CreateStepOptions {
  /** Called once per step call, e.g. for a log line or a metric. */
  onStep?: (report: StepReport) => void;
}

const MAX_STEP_NAME_LENGTH = 200;

/** A `step` for one attempt of one handler (a name may be used once per attempt). */
export function createStep(store: StepStore, options: CreateStepOptions = {}): Step {
  const used = new Set<string>();
  const report = options.onStep ?? (() => {});
  return async <T>(name: string, fn: () => T | Promise<T>): Promise<Jsonified<T>> => {
    if (typeof name !== "string" || name.length === 0 || name.length > MAX_STEP_NAME_LENGTH) {
      throw new TypeError(
        `step name must be 1..${MAX_STEP_NAME_LENGTH} characters (got ${JSON.stringify(name)})`,
      );
    }
    if (typeof fn !== "function")
      throw new TypeError(`step "${name}": the second argument must be a function`);
    // The name is the memo key: a second call would silently get the first one's result.
    if (used.has(name))
      throw new TypeError(`step "${name}" is used twice in one attempt; step names must be unique`);
    used.add(name);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const stored = await store.load(name);
      if (stored.found) {
        report({ name, outcome: "cached", durationMs: elapsed() });
        return stored.value as Jsonified<T>;
      }
      const value = toJson(await fn(), name);
      const saved = await store.save(name, value);
      report({ name, outcome: "saved", durationMs: elapsed() });
      return saved as Jsonified<T>;
    } catch (error) {
      report({ name, outcome: "failed", durationMs: elapsed(), error });
      throw error;
    }
  };
}

/** `value` as JSON holds it (what `JSON.parse(JSON.stringify(value))` gives), `undefined` as null. */
export function toJson(value: unknown, stepName: string): Json {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (key, v: unknown) => {
      if (typeof v === "function" || typeof v === "bigint" || typeof v === "symbol") {
        const where = key === "" ? "the result" : `key ${JSON.stringify(key)}`;
        throw new TypeError(`${where} is a ${typeof v}`);
      }
      return v;
    });
  } catch (error) {
    // JSON.stringify's own errors: a cycle (TypeError), nesting too deep (RangeError).
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new TypeError(`step "${stepName}": the result cannot be stored as JSON (${why})`, { cause: error });
  }
  return text === undefined ? null : (JSON.parse(text) as Json);
}

/** The type `toJson` turns `T` into. */
// biome-ignore lint/suspicious/noConfusingVoidType: a step body that returns nothing infers T = void.
export type Jsonified<T> = [T] extends [undefined | void] ? null : JsonValue<T>;

type JsonValue<T> = T extends string | number | boolean | null
  ? T
  : T extends bigint | symbol | ((...args: never[]) => unknown)
    ? never
    : T extends { toJSON(): infer R }
      ? JsonValue<R>
      : T extends readonly unknown[]
        ? {
            -readonly [K in keyof T]: T[K] extends undefined | ((...args: never[]) => unknown)
              ? null
              : JsonValue<T[K]>;
          }
        : T extends object
          ? {
              // JSON drops keys whose value is undefined or a function (toJson refuses the function).
              -readonly [K in keyof T as K extends string
                ? [Exclude<T[K], undefined>] extends [never]
                  ? never
                  : Exclude<T[K], undefined> extends (...args: never[]) => unknown
                    ? never
                    : K
                : never]: JsonValue<Exclude<T[K], undefined>>;
            }
          : never;
