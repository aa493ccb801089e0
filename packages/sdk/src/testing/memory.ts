import type { StepStore } from "../step.ts";
import type { HandlerLogger, Json } from "../types.ts";

/** A StepStore in a Map (first writer wins, like the Postgres one). */
export function createMemoryStepStore(initial: Record<string, Json> = {}): StepStore & {
  entries(): Record<string, Json>;
} {
  const results = new Map<string, Json>(Object.entries(initial));
  return {
    async load(name) {
      return results.has(name) ? { found: true, value: results.get(name) as Json } : { found: false };
    },
    async save(name, value) {
      if (!results.has(name)) results.set(name, value);
      return results.get(name) as Json;
    },
    entries: () => Object.fromEntries(results),
  };
}

export type LogLevel = "debug" | "info" | "warn" | "error";
export interface LogEntry {
  level: LogLevel;
  msg?: string;
  obj?: object;
}

/** A HandlerLogger that records each line (pino's two call shapes). */
export function createCapturingLogger(): { log: HandlerLogger; lines: LogEntry[] } {
  const lines: LogEntry[] = [];
  const at =
    (level: LogLevel) =>
    (first: object | string, msg?: string): void => {
      if (typeof first === "string") lines.push({ level, msg: first });
      else lines.push(msg === undefined ? { level, obj: first } : { level, msg, obj: first });
    };
  return { log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, lines };
}
