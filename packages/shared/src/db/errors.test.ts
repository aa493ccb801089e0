import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, isTransientDatabaseError } from "./errors.ts";

/** The shape postgres.js gives a server error (PostgresError: the ErrorResponse fields). */
function pgError(code: string, severity: string, message = "") {
  return Object.assign(new Error(message), {
    name: "PostgresError",
    code,
    severity,
    severity_local: severity,
  });
}

describe("isDatabaseUnavailable", () => {
  it.each([
    ["server gone", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })],
    ["connection closed by the driver", Object.assign(new Error("closed"), { code: "CONNECTION_CLOSED" })],
    ["connection failure (08006)", pgError("08006", "FATAL")],
    [
      "not accepting connections (55000, FATAL)",
      pgError("55000", "FATAL", 'database "hb" is not currently accepting connections'),
    ],
    ["too many connections for the database (53300)", pgError("53300", "FATAL")],
    ["terminated by an administrator (57P01)", pgError("57P01", "FATAL")],
    ["crash shutdown (57P02)", pgError("57P02", "FATAL")],
    ["starting up or in recovery (57P03)", pgError("57P03", "FATAL")],
    ["idle session timeout (57P05)", pgError("57P05", "FATAL")],
    ["statement timeout (57014)", pgError("57014", "ERROR")],
    [
      "read-only after a failover (25006)",
      pgError("25006", "ERROR", "cannot execute INSERT in a read-only transaction"),
    ],
    [
      "disk full (53100)",
      pgError("53100", "ERROR", 'could not extend file "base/1/2": No space left on device'),
    ],
    ["out of memory (53200)", pgError("53200", "ERROR")],
    ["configuration limit (53400)", pgError("53400", "ERROR")],
    ["a refused login (28P01, FATAL)", pgError("28P01", "FATAL")],
    [
      "wrapped by drizzle (cause)",
      Object.assign(new Error("Failed query"), { cause: pgError("25006", "ERROR") }),
    ],
  ])("%s → unavailable", (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it.each([
    ["unique violation (23505)", pgError("23505", "ERROR")],
    ["syntax error (42601)", pgError("42601", "ERROR")],
    ["object not in prerequisite state, in a session (55000, ERROR)", pgError("55000", "ERROR")],
    ["invalid text representation (22P02)", pgError("22P02", "ERROR")],
    ["a plain Error", new Error("boom")],
    ["not an error", "ECONNREFUSED"],
    ["null", null],
  ])("%s → not unavailable (a 500 tells the operator of a bug)", (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(isTransientDatabaseError(error)).toBe(false);
  });

  it.each([
    ["serialization failure (40001)", pgError("40001", "ERROR")],
    ["deadlock (40P01)", pgError("40P01", "ERROR")],
  ])("%s → transient (503) but not unavailable: a batch retries it row by row at once", (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(isTransientDatabaseError(error)).toBe(true);
  });
});
