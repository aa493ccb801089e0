// Issue 14, item 7 (starvation): bulk replays took every slot of the maintenance worker, so the
// janitor and Slack alerts waited behind them. A bulk replay now takes at most one slot; the rest
// stay free for the janitor and alerts.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { addMaintenanceJob, DEFAULT_TENANT_ID, uuidv7, uuidv7Floor } from "@hookbox/shared";
import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMaintenanceWorker } from "../src/maintenance/start.ts";
import { createTestWorker, type TestWorker } from "./helpers.ts";

/** Tenant A's Slack alert, queued while tenant B's bulk replays run: sent within this. */
const ALERT_BOUND_MS = 2_000;

let t: TestWorker;
let slack: Server;
let slackReceived: number[] = [];
let maintenance: Worker;
const tenantB = uuidv7();

beforeAll(async () => {
  slack = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      slackReceived.push(performance.now());
      res.end("ok");
    });
  });
  await new Promise<void>((r) => slack.listen(0, "127.0.0.1", r));
  const port = (slack.address() as AddressInfo).port;
  t = await createTestWorker("maintenance-starvation", {
    env: { SLACK_ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` },
  });
  const { sql } = t.deps;
  await sql`INSERT INTO tenants (id, name) VALUES (${tenantB}, 'tenant-b')`;
  const sourceB = uuidv7();
  await sql`
    INSERT INTO sources (id, tenant_id, slug, name, scheme, handlers)
    VALUES (${sourceB}, ${tenantB}, 'b-src', 'b-src', 'none', '[]')`;
  // Tenant B's settled history, the target of its bulk replays.
  await sql`
    INSERT INTO events (id, tenant_id, source_id, event_type, status, received_at, completed_at, headers, body, size)
    SELECT (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint - 10000 + g), 12, '0') || '70008000' ||
            lpad(to_hex(g), 12, '0'))::uuid,
           ${tenantB}, ${sourceB}, 'order.paid', 'dead', now(), now(), '{}', '\\x7b7d', 2
    FROM generate_series(1, 2000) g`;
  maintenance = startMaintenanceWorker(t.deps);
});
afterAll(async () => {
  await maintenance?.close(true);
  await t?.close();
  slack?.close();
});

describe("tenant B's bulk replays", () => {
  it("leave a slot for tenant A's Slack alert: it is sent within the bound", async () => {
    const { sql } = t.deps;
    // A long replay stands in for a huge one: B's rows are locked, so every replay's first UPDATE waits.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const locked = new Promise<void>((ready) => {
      void sql.begin(async (tx) => {
        await tx`SELECT id FROM events WHERE tenant_id = ${tenantB} FOR UPDATE`;
        ready();
        await held;
      });
    });
    await locked;
    try {
      const maxId = uuidv7Floor(new Date(Date.now() + 1));
      for (let i = 0; i < 3; i++) {
        await addMaintenanceJob(t.deps.maintenance, "bulk-replay", {
          tenantId: tenantB,
          filter: {},
          maxId,
          afterId: null,
        });
      }
      // A replay is under way (waiting on the lock).
      await expect
        .poll(
          async () =>
            (
              await sql<{ n: number }[]>`
                SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'`
            )[0]?.n,
          { timeout: 5_000 },
        )
        .toBeGreaterThanOrEqual(1);

      // Tenant A's event goes dead; its alert is queued.
      const source = await t.createSource([{ name: "log" }]);
      const eventId = await t.insertEvent(source.id, { status: "dead" });
      const alertId = uuidv7();
      await sql`
        INSERT INTO alerts (id, tenant_id, kind, event_id, message)
        VALUES (${alertId}, ${DEFAULT_TENANT_ID}, 'dead_letter', ${eventId}, 'order.paid is dead')`;
      slackReceived = [];
      const queuedAt = performance.now();
      await t.deps.notifyAlert(alertId);
      await expect.poll(() => slackReceived.length, { timeout: ALERT_BOUND_MS, interval: 50 }).toBe(1);
      expect((slackReceived[0] ?? Number.POSITIVE_INFINITY) - queuedAt).toBeLessThan(ALERT_BOUND_MS);
    } finally {
      release();
    }
    // The replays then go on, one at a time, and all of B's events are replayed.
    await expect
      .poll(
        async () =>
          (
            await sql<
              { n: number }[]
            >`SELECT count(*)::int AS n FROM events WHERE tenant_id = ${tenantB} AND status = 'queued'`
          )[0]?.n,
        { timeout: 15_000 },
      )
      .toBe(2000);
  }, 30_000);
});
