import SwaggerParser from "@apidevtools/swagger-parser";
import { DEFAULT_TENANT_ID, uuidv7 } from "@hookbox/shared";
import { seedEvents, signDelivery } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "./helpers.ts";

let api: TestApi;
let source: { id: string; slug: string; secret: string };

beforeAll(async () => {
  api = await createTestApi("operate");
  source = await api.createSource({ slug: "ops", scheme: "hmac-sha256", secret: "ops-secret" });
});
afterAll(() => api.close());

async function deliver(body: string, slug = "ops", secret = "ops-secret") {
  const res = await api.app.request(`/in/${slug}`, {
    method: "POST",
    headers: signDelivery("hmac-sha256", { body, secret }),
    body,
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

type Page = { data: { id: string; type: string | null; status: string }[]; nextCursor: string | null };
async function walk(query: string, onPage?: () => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await api.call("GET", `/v1/events?${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    ids.push(...page.data.map((e) => e.id));
    cursor = page.nextCursor;
    await onPage?.();
  } while (cursor);
  return ids;
}

describe("GET /v1/events", () => {
  it("walks every row exactly once while new rows are inserted concurrently", async () => {
    const src = await api.createSource({ slug: "walk", scheme: "hmac-sha256", secret: "walk-secret" });
    const existing: string[] = [];
    for (let i = 0; i < 120; i++)
      existing.push(await deliver(JSON.stringify({ i, type: "w" }), "walk", "walk-secret"));
    const inserted: string[] = [];
    const seen = await walk("source=walk&limit=7", async () => {
      // Between pages, three more arrive.
      for (let k = 0; k < 3; k++)
        inserted.push(await deliver(JSON.stringify({ k, type: "w" }), "walk", "walk-secret"));
    });
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    expect(new Set(seen)).toEqual(new Set(existing)); // every row that existed, exactly once; newer ones come on a fresh walk
    expect(inserted.length).toBeGreaterThan(0);
    expect(src.id).toBeTruthy();
  });

  it("filters by type, status, since and until, combined with pagination", async () => {
    const before = new Date(Date.now() - 1);
    const a = await deliver(JSON.stringify({ type: "invoice.paid" }));
    await new Promise((r) => setTimeout(r, 5));
    const middle = new Date();
    const b = await deliver(JSON.stringify({ type: "invoice.paid" }));
    const c = await deliver(JSON.stringify({ type: "invoice.failed" }));
    const after = new Date(Date.now() + 1);
    expect(await walk("type=invoice.paid&limit=1")).toEqual([b, a]);
    expect(await walk(`type=invoice.paid&since=${middle.toISOString()}`)).toEqual([b]);
    expect(await walk(`source=ops&since=${before.toISOString()}&until=${middle.toISOString()}`)).toEqual([a]);
    expect(
      await walk(`source=ops&since=${before.toISOString()}&until=${after.toISOString()}&status=queued`),
    ).toEqual([c, b, a]);
    expect(await walk("type=invoice.failed&status=dead")).toEqual([]);
    expect((await api.call("GET", "/v1/events?since=yesterday")).status).toBe(400);
  });

  it("is served by an index (EXPLAIN: a small tenant among 20 000 rows of 10 tenants)", async () => {
    const tenants = [DEFAULT_TENANT_ID];
    for (let i = 0; i < 9; i++) {
      const res = await api.call("POST", "/v1/tenants", { name: `explain-${i}` });
      tenants.push(((await res.json()) as { id: string }).id);
    }
    await seedEvents(
      api.deps.sql,
      ["id", "tenant_id", "source_id", "status", "event_type", "headers", "body", "size"],
      (sql) => sql`
      SELECT (lpad(to_hex(1700000000000 + g), 12, '0') || '7000800000000000' || lpad(to_hex(g), 4, '0'))::uuid,
             (${sql.array(tenants)}::uuid[])[CASE WHEN g % 50 = 0 THEN 1 ELSE 2 + g % 9 END], ${source.id}::uuid,
             (ARRAY['completed', 'dead', 'queued']::event_status[])[1 + g % 3], 'type-' || (g % 50), '{}'::jsonb, '\\x00'::bytea, 1
      FROM generate_series(1, 20000) g`,
    );
    const plans: Record<string, string> = {};
    const explain = async (label: string, where: string) => {
      const rows = await api.deps.sql.unsafe(
        `EXPLAIN SELECT e.id FROM events e JOIN sources s ON s.id = e.source_id
         WHERE e.tenant_id = '${DEFAULT_TENANT_ID}' ${where} ORDER BY e.id DESC LIMIT 51`,
      );
      plans[label] = rows.map((r) => r["QUERY PLAN"]).join("\n");
      return plans[label];
    };
    // Which index the planner picks depends on the data (the primary key scanned backwards with
    // a tenant filter, or a bitmap scan of the (tenant, status|type, id) index when few rows
    // match); what must hold is that no page reads the whole table.
    for (const [label, where] of [
      ["newest first", ""],
      ["with cursor", "AND e.id < '01a216e7-0000-7000-8000-000000000000'"],
      // What eventFilterSql writes for a status (no index on event_states.status: see the ADR).
      [
        "by status",
        `AND e.status = 'dead' AND e.id IN (SELECT event_id FROM dead_letters WHERE tenant_id = '${DEFAULT_TENANT_ID}')`,
      ],
      ["by type", "AND e.event_type = 'type-7'"],
      [
        "by source and time",
        `AND e.source_id = '${source.id}' AND e.id >= '018bcfe5-6800-7000-8000-000000000000'`,
      ],
    ]) {
      expect(await explain(label as string, where as string)).toMatch(/Index (Only )?Scan/);
    }
    const all = Object.values(plans).join("\n");
    // (Tiny partitions of other tests' rows may be read whole; the 20 000 rows' one never is.)
    expect(all).not.toMatch(/Seq Scan on (deliveries|event_states)_p20231114/);
    expect(all).toMatch(/dead_letters_tenant_idx|dead_letters_pkey/);
    expect(all).toMatch(/deliveries_p\w+_tenant_id_event_type_id_idx|tenant_type_id_idx/);
    if (process.env.SHOW_PLANS) console.log(plans);
  });
});

describe("GET /v1/stats", () => {
  it("agrees with what was sent: totals, sources, top types, first/last, latency percentiles", async () => {
    const t = await api.call("POST", "/v1/tenants", { name: "stats" });
    const tenantId = ((await t.json()) as { id: string }).id;
    const key = (
      (await (await api.call("POST", "/v1/api-keys", { name: "s", tenantId })).json()) as { key: string }
    ).key;
    const mk = async (slug: string) => {
      const res = await api.call("POST", "/v1/sources", { slug, scheme: "none", handlers: [] }, key);
      return ((await res.json()) as { id: string }).id;
    };
    await mk("stats-a");
    await mk("stats-b");
    const since = new Date(Date.now() - 1);
    const ids: string[] = [];
    const plan = [
      ["stats-a", "t1"],
      ["stats-a", "t1"],
      ["stats-a", "t2"],
      ["stats-a", "t1"],
      ["stats-b", "t3"],
      ["stats-b", "t1"],
    ];
    for (const [slug, type] of plan) {
      const res = await api.app.request(`/in/${slug}`, {
        method: "POST",
        headers: { "x-event-type": type as string },
        body: "{}",
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    // Settle four of them with known latencies (ms): 100, 200, 300, 400; one dead.
    const latencies = [100, 200, 300, 400];
    for (const [i, ms] of latencies.entries()) {
      await api.deps
        .sql`UPDATE events SET status = 'completed', completed_at = received_at + ${`${ms} milliseconds`}::interval WHERE id = ${ids[i] as string}`;
    }
    await api.deps
      .sql`UPDATE events SET status = 'dead', completed_at = now() WHERE id = ${ids[4] as string}`;
    const res = await api.call(
      "GET",
      `/v1/stats?since=${since.toISOString()}&until=${new Date(Date.now() + 1000).toISOString()}`,
      undefined,
      key,
    );
    expect(res.status).toBe(200);
    const stats = (await res.json()) as Record<string, unknown>;
    expect(stats).toMatchObject({
      total: 6,
      byStatus: { completed: 4, dead: 1, queued: 1, received: 0, processing: 0, retrying: 0 },
      bySource: [
        { source: "stats-a", count: 4 },
        { source: "stats-b", count: 2 },
      ],
    });
    expect(stats.topTypes).toEqual([
      { type: "t1", count: 4 },
      { type: "t2", count: 1 },
      { type: "t3", count: 1 },
    ]);
    // percentile_cont over 100, 200, 300, 400: p50 = 250, p95 = 385, p99 = 397.
    expect(stats.latencyMs).toEqual({ p50: 250, p95: 385, p99: 397 });
    expect(typeof stats.firstReceivedAt).toBe("string");
    expect(Date.parse(stats.lastReceivedAt as string)).toBeGreaterThanOrEqual(
      Date.parse(stats.firstReceivedAt as string),
    );
    // The admin (another tenant) does not see these.
    const mine = (await (await api.call("GET", `/v1/stats?since=${since.toISOString()}`)).json()) as {
      bySource: { source: string }[];
    };
    expect(mine.bySource.map((s) => s.source)).not.toContain("stats-a");
  });
});

describe("replay from the api's side", () => {
  it("an in-flight event answers 409; an unknown one 404; a settled one 202 with a new run", async () => {
    const id = await deliver(JSON.stringify({ type: "r" }));
    const inFlight = await api.call("POST", `/v1/events/${id}/replay`);
    expect(inFlight.status).toBe(409);
    expect((await api.call("POST", `/v1/events/${uuidv7()}/replay`)).status).toBe(404);
    await api.deps.sql`UPDATE events SET status = 'dead', completed_at = now() WHERE id = ${id}`;
    const ok = await api.call("POST", `/v1/events/${id}/replay`);
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ id, status: "queued", run: 1 });
    const job = await api.deps.queues[0].getJob(`${id}-r1`);
    expect(job?.data).toEqual({ eventId: id });

    // The id spelled in capitals is the same event; the answer and the job use the canonical id.
    await api.deps.sql`UPDATE events SET status = 'dead', completed_at = now() WHERE id = ${id}`;
    const upper = await api.call("POST", `/v1/events/${id.toUpperCase()}/replay`);
    expect(upper.status).toBe(202);
    expect(await upper.json()).toEqual({ id, status: "queued", run: 2 });
    expect((await api.deps.queues[0].getJob(`${id}-r2`))?.data).toEqual({ eventId: id });
  });

  it("bulk replay answers 202 with the count of matching settled events and queues a maintenance job", async () => {
    const res = await api.call("POST", "/v1/events/replay", { source: "ops", status: "completed" });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { count: number; jobId: string };
    const [row] = await api.deps.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events
      WHERE tenant_id = ${DEFAULT_TENANT_ID} AND source_id = ${source.id} AND status = 'completed'`;
    expect(row?.n).toBeGreaterThan(0);
    expect(body.count).toBe(row?.n);
    const job = await api.deps.maintenance.getJob(body.jobId);
    expect(job?.name).toBe("bulk-replay");
    expect((await api.call("POST", "/v1/events/replay", { status: "queued" })).status).toBe(400);
  });
});

describe("alerts", () => {
  it("lists open and acknowledged alerts; ack one and many; another tenant's alert stays open", async () => {
    const other = await api.call("POST", "/v1/tenants", { name: "alert-other" });
    const otherTenant = ((await other.json()) as { id: string }).id;
    const otherKey = (
      (await (await api.call("POST", "/v1/api-keys", { name: "o", tenantId: otherTenant })).json()) as {
        key: string;
      }
    ).key;
    const mine = [uuidv7(), uuidv7(), uuidv7()];
    const theirs = uuidv7();
    for (const id of mine) {
      await api.deps
        .sql`INSERT INTO alerts (id, tenant_id, kind, message) VALUES (${id}, ${DEFAULT_TENANT_ID}, 'dead_letter', 'm')`;
    }
    await api.deps
      .sql`INSERT INTO alerts (id, tenant_id, kind, message) VALUES (${theirs}, ${otherTenant}, 'dead_letter', 'x')`;

    const open = (await (await api.call("GET", "/v1/alerts?status=open")).json()) as {
      data: { id: string }[];
    };
    expect(open.data.map((a) => a.id)).toEqual([...mine].reverse());
    const one = await api.call("POST", `/v1/alerts/${mine[0]}/ack`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: mine[0], acknowledgedBy: "admin" });
    const many = await api.call("POST", "/v1/alerts/ack", { ids: [mine[1], mine[2], theirs] });
    expect(await many.json()).toEqual({ acknowledged: 2 });
    expect((await api.call("POST", `/v1/alerts/${theirs}/ack`)).status).toBe(404);
    const acked = (await (await api.call("GET", "/v1/alerts?status=acknowledged")).json()) as {
      data: unknown[];
    };
    expect(acked.data).toHaveLength(3);
    const theirsOpen = (await (
      await api.call("GET", "/v1/alerts?status=open", undefined, otherKey)
    ).json()) as { data: { id: string }[] };
    expect(theirsOpen.data.map((a) => a.id)).toEqual([theirs]);
    expect((await api.call("POST", "/v1/alerts/ack", { ids: [] })).status).toBe(400);
  });
});

describe("OpenAPI", () => {
  it("/openapi.json validates as OpenAPI 3 and lists every route with its errors", async () => {
    const doc = (await (await api.app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    await SwaggerParser.validate(structuredClone(doc) as never);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
      ),
    );
    const served = new Set(
      api.app.routes
        // Bull Board's own UI and API live under /admin/queues, the console's HTML pages under
        // /console, Swagger UI and its assets under /docs: none is Hookbox's API.
        .filter(
          (r) =>
            r.method !== "ALL" &&
            r.path !== "/openapi.json" &&
            !r.path.startsWith("/docs") &&
            !r.path.startsWith("/admin/queues") &&
            !r.path.startsWith("/console"),
        )
        .map((r) => `${r.method} ${r.path}`),
    );
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect(served.size).toBeGreaterThan(20);
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith("/v1") && path !== "/in/{source}") continue;
      for (const [method, op] of Object.entries(ops)) {
        expect(Object.keys(op.responses), `${method} ${path}`).toContain("401");
      }
    }
  });

  it("/docs serves the interactive page for that document, its scripts from Hookbox", async () => {
    const res = await api.app.request("/docs");
    expect(res.status).toBe(200);
    const scripts = [...(await res.text()).matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] as string);
    const code = await Promise.all(scripts.map(async (src) => (await api.app.request(src)).text()));
    expect(code.join("\n")).toContain('url: "/openapi.json"');
  });
});
