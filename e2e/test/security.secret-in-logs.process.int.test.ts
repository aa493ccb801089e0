import { createTestDatabase } from "@hookbox/shared/testing";
import { afterAll, expect, it } from "vitest";
import { startProcessStack } from "../src/index.ts";

// Attack: make Postgres fail mid-request (here: a lock held by another session, until the api's
// statement_timeout), so the api logs the failed query; drizzle's error carries the statement's
// bound values (a source's secret, a forward handler's headers) in `params`, its message and its
// stack. The api must answer 503 and log the failure without any of them.

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const FIRST_SECRET = "whsec_Zmlyc3Qtc2VjcmV0LWJlZm9yZS10aGUtbG9jaw==";
const CREATE_SECRET = "whsec_Y3JlYXRlZC13aGlsZS1wb3N0Z3Jlcy13YWl0cw==";
const ROTATE_SECRET = "whsec_cm90YXRlZC13aGlsZS1wb3N0Z3Jlcy13YWl0cw==";
// A header name no redact path knows: only the error serializer can keep it out of the log.
const HEADER_CREDENTIAL = "downstream-credential-9f3b7c";

it("writes to sources that fail mid-request answer 503 and log the error without secrets or headers", async () => {
  const db = await createTestDatabase("security_secret_logs");
  cleanups.push(() => db.drop());
  const stack = await startProcessStack("security_secret_logs", db.url, { SPAWN_LOG_LEVEL: "debug" });
  cleanups.push(() => stack.stop());
  const created = await stack.call("POST", "/v1/sources", {
    slug: "locked",
    scheme: "stripe",
    secret: FIRST_SECRET,
    handlers: [{ name: "log", config: {} }],
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };

  // SHARE lets reads through (rotation's SELECT … FOR UPDATE too) and stops every write, so each
  // request fails at the statement that carries the secret. ACCESS EXCLUSIVE would stop rotation
  // at its SELECT, whose parameters are only ids.
  const holder = await db.database.sql.reserve();
  cleanups.push(() => holder.release());
  await holder`BEGIN`;
  await holder`LOCK TABLE sources IN SHARE MODE`;
  const started = Date.now();
  const answers = await Promise.all([
    stack.call("POST", "/v1/sources", {
      slug: "created-while-locked",
      scheme: "stripe",
      secret: CREATE_SECRET,
      handlers: [{ name: "log", config: {} }],
    }),
    stack.call("PATCH", `/v1/sources/${id}`, {
      handlers: [
        {
          name: "forward",
          config: { url: "http://127.0.0.1:9/hook", headers: { "x-downstream-key": HEADER_CREDENTIAL } },
        },
      ],
    }),
    stack.call("POST", `/v1/sources/${id}/secrets`, { secret: ROTATE_SECRET }),
  ]);
  const waitedMs = Date.now() - started;
  await holder`ROLLBACK`;
  expect(answers.map((a) => a.status)).toEqual([503, 503, 503]);
  expect(waitedMs).toBeLessThan(15_000); // the api's statement_timeout (5 s), not the lock, ends each one
  await new Promise((r) => setTimeout(r, 200)); // the last log lines reach the pipe

  const lines = stack.api.output;
  if (process.env.SHOW_LOGS) console.log(lines.join("\n"));
  // The failures were logged, each naming the statement that waited (so silence cannot pass).
  const failures = lines
    .filter((l) => l.includes('"msg":"postgres unavailable"'))
    .map(
      (l) => JSON.parse(l) as { requestId?: string; err: { type: string; code: string; message: string } },
    );
  expect(failures).toHaveLength(3);
  for (const { requestId, err } of failures) {
    expect(requestId).toBeTruthy();
    expect(err).toMatchObject({ type: "DrizzleQueryError", code: "57014" });
    expect(err.message).toContain("canceling statement due to statement timeout");
  }
  const statements = failures.map((f) => /^Failed query: (\w+) \S* ?"sources"/.exec(f.err.message)?.[1]);
  expect(statements.sort()).toEqual(["insert", "update", "update"]);

  const all = lines.join("\n");
  for (const secret of [FIRST_SECRET, CREATE_SECRET, ROTATE_SECRET, HEADER_CREDENTIAL]) {
    expect(all.includes(secret), `a log line contains ${secret.slice(0, 12)}…`).toBe(false);
  }
});
