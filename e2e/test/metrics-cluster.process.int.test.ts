import { request } from "node:http";
import { createTestDatabase, signDelivery } from "@hookbox/shared/testing";
import { afterAll, expect, it } from "vitest";
import { startProcessStack } from "../src/index.ts";
import { freePort } from "../src/redis-server.ts";

// With API_PROCESSES > 1 every process counts in its own registry; a scrape must still report
// the whole cluster (before: 20 accepted deliveries, `/metrics` said 10 — whichever process
// answered). The primary serves METRICS_PORT and adds the processes up.

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** One delivery on a connection of its own, so node:cluster spreads them over the processes. */
function deliver(base: string, n: number): Promise<{ status: number }> {
  const body = JSON.stringify({ type: "order.paid", n });
  const headers = {
    "content-type": "application/json",
    "idempotency-key": `cluster-${n}`,
    ...signDelivery("hmac-sha256", { body, secret: "cluster-secret" }),
  };
  return new Promise((resolve, reject) => {
    const req = request(`${base}/in/cluster`, { method: "POST", headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function sum(text: string, metric: string, label: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${metric}{`) && line.includes(label))
    .reduce((n, line) => n + Number(line.split(" ").at(-1)), 0);
}

it("a scrape of METRICS_PORT reports every api process's counts (2 processes, 20 deliveries → 20)", async () => {
  const db = await createTestDatabase("metrics_cluster");
  cleanups.push(() => db.drop());
  const metricsPort = await freePort();
  const stack = await startProcessStack("metrics_cluster", db.url, {
    API_PROCESSES: "2",
    METRICS_PORT: String(metricsPort),
  });
  cleanups.push(() => stack.stop());
  const created = await stack.call("POST", "/v1/sources", {
    slug: "cluster",
    scheme: "hmac-sha256",
    secret: "cluster-secret",
    handlers: [],
  });
  expect(created.status).toBe(201);

  // Both processes must be up before the deliveries (the first ready line is one of them).
  for (
    let i = 0;
    i < 200 && stack.api.output.filter((l) => l.includes("hookbox api listening")).length < 2;
    i++
  )
    await new Promise((r) => setTimeout(r, 50));
  expect(stack.api.output.filter((l) => l.includes("hookbox api listening"))).toHaveLength(2);
  const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const answers = [];
  for (let n = 0; n < 20; n++) answers.push(await deliver(stack.base, n));
  expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));

  const text = await scrape();
  expect(sum(text, "hookbox_ingest_requests_total", 'result="accepted"')).toBe(20);
  // Counted in both processes (node:cluster hands connections round-robin), summed in one scrape.
  const rows = (await db.database.sql`SELECT count(*)::int AS n FROM events`) as unknown as [{ n: number }];
  expect(rows[0].n).toBe(20);
  // The ingest port has no metrics; the queue gauge is not multiplied by the process count.
  expect((await fetch(`${stack.base}/metrics`)).status).toBe(404);
  const waiting = text.split("\n").find((l) => l.startsWith('hookbox_queue_jobs{state="waiting"'));
  expect(waiting, "queue gauge present").toBeDefined();
  expect(Number(waiting?.split(" ").at(-1))).toBeLessThanOrEqual(20);
}, 60_000);
