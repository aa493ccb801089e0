import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Spawned, type Stack, spawnService, waitFor, workerMetric } from "../src/index.ts";

// Issue 12, rolling deploys: two worker versions side by side, as real processes on one
// database and Redis prefix. Worker B (old: HANDLERS_DIR without `ledger`) runs alone first and
// hands back what it cannot run; worker A (new: with `ledger`) joins and runs everything, once.
// Once both have taken jobs side by side, B is stopped (SIGTERM), as a rolling deploy ends: with
// B left running, each hand-back costs 5 s (RELEASE_DELAY_MS) and B wins about half the races, so
// the last of 20 events would settle anywhere from 10 s to a minute.
//
// The api loads the new HANDLERS_DIR itself (as when the api is deployed with the new code
// first), so attaching `ledger` does not depend on a worker's manifest being live; the manifest
// is what `GET /v1/handlers` shows once A runs.
const fixture = (path: string) => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));
const OLD_DIR = fixture("handlers-v1");
const NEW_DIR = fixture("handlers-v2");
const DELIVERIES = 20;

let stack: Stack;
const spawned: Spawned[] = [];

async function startWorker(handlersDir: string): Promise<{ worker: Spawned; port: number }> {
  const worker = spawnService("worker", { ...stack.env, HANDLERS_DIR: handlersDir });
  spawned.push(worker);
  const port = await Promise.race([
    worker.ready,
    worker.exited.then((code) => {
      throw new Error(`worker exited with ${code}: ${worker.output.join("\n")}`);
    }),
  ]);
  return { worker, port };
}

beforeAll(async () => {
  stack = await createStack("code-handlers-rolling", { HANDLERS_DIR: NEW_DIR });
  await stack.createSource({
    slug: "books",
    scheme: "hmac-sha256",
    secret: "b-secret",
    handlers: [{ name: "ledger" }],
  });
});
afterAll(async () => {
  for (const p of spawned) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill("SIGKILL");
      await p.exited;
    }
  }
  await stack?.close();
});

describe("a worker without the handler hands events to the worker that has it", () => {
  it("every event completes with exactly one successful attempt; none is dead or failed", {
    timeout: 50_000,
  }, async () => {
    const old = await startWorker(OLD_DIR);
    const ids: string[] = [];
    for (let i = 0; i < DELIVERIES; i++) {
      const { code, id } = await stack.deliver(
        "books",
        "b-secret",
        JSON.stringify({ type: "entry.booked", i }),
      );
      expect(code).toBe(202);
      ids.push(id);
    }

    // B has seen events and handed them back, without spending an attempt.
    await waitFor(
      async () =>
        (await workerMetric(old.port, "hookbox_handler_unavailable_total")) > 0 ? true : undefined,
      {
        what: "the old worker to hand back an event",
      },
    );
    const released = await stack.sql<{ status: string; attempt_count: number; last_error: string }[]>`
      SELECT status, attempt_count, last_error FROM events
      WHERE id = ANY(${stack.sql.array(ids)}::uuid[]) AND last_error IS NOT NULL`;
    expect(released.length).toBeGreaterThan(0);
    for (const row of released) {
      expect(row.last_error).toMatch(/handler "ledger".*not deployed on worker/);
      expect(row.attempt_count).toBe(0);
    }

    const current = await startWorker(NEW_DIR);
    const releasedBeforeA = await workerMetric(old.port, "hookbox_handler_unavailable_total");
    const version = createHash("sha256")
      .update(await readFile(`${NEW_DIR}/ledger.ts`))
      .digest("hex")
      .slice(0, 12);
    await waitFor(
      async () => {
        const res = await stack.call("GET", "/v1/handlers");
        const { data } = (await res.json()) as { data: { name: string; versions: unknown[] }[] };
        const ledger = data.find((h) => h.name === "ledger");
        return ledger?.versions.length ? ledger : undefined;
      },
      { what: "GET /v1/handlers to list ledger with a live worker" },
    ).then((ledger) => expect(ledger).toMatchObject({ kind: "code", versions: [{ version, workers: 1 }] }));

    // Side by side: A completes events while B still takes (and hands back) others.
    await waitFor(
      async () => {
        const [row] = await stack.sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM events
          WHERE id = ANY(${stack.sql.array(ids)}::uuid[]) AND status = 'completed'`;
        const released = await workerMetric(old.port, "hookbox_handler_unavailable_total");
        return (row?.n ?? 0) > 0 && released > releasedBeforeA ? true : undefined;
      },
      { timeoutMs: 20_000, what: "both workers to take jobs" },
    );
    expect(old.worker.child.exitCode).toBeNull();
    old.worker.child.kill("SIGTERM");
    expect(await old.worker.exited).toBe(0);

    const settled = await waitFor(
      async () => {
        const rows = await stack.sql<{ status: string; n: number }[]>`
          SELECT status, count(*)::int AS n FROM events
          WHERE id = ANY(${stack.sql.array(ids)}::uuid[]) GROUP BY status`;
        const pending = rows.filter((r) => r.status !== "completed" && r.status !== "dead");
        return pending.length === 0 ? rows : undefined;
      },
      { timeoutMs: 20_000, what: "every event to settle" },
    );
    expect(settled).toEqual([{ status: "completed", n: DELIVERIES }]);

    const attempts = await stack.sql<{ event_id: string; outcome: string; n: number }[]>`
      SELECT event_id, outcome, count(*)::int AS n FROM attempts
      WHERE event_id = ANY(${stack.sql.array(ids)}::uuid[]) GROUP BY event_id, outcome`;
    expect(attempts.filter((a) => a.outcome !== "success")).toEqual([]);
    expect(attempts).toHaveLength(DELIVERIES);
    expect(attempts.every((a) => a.n === 1)).toBe(true);
    expect(current.worker.child.exitCode).toBeNull();
  });
});
