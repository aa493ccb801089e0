import { DEFAULT_TENANT_ID } from "@hookbox/shared";
import { seedEvents } from "@hookbox/shared/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createStack, type Stack, TEST_ADMIN_KEY } from "../src/index.ts";

// The events page on a big inbox: server time of GET /console/events (query + rendering, in
// process) with CONSOLE_SCALE_ROWS events stored (default 200k here; the figures in
// docs/adr/0010 are from CONSOLE_SCALE_ROWS=1000000).
const ROWS = Number(process.env.CONSOLE_SCALE_ROWS ?? 200_000);
/**
 * The target is 200 ms of server time at 1 M events (figures in docs/adr/0010, measured with
 * CONSOLE_SCALE_ROWS=1000000 CONSOLE_SCALE_BUDGET_MS=200). A timed test on a shared box is noise,
 * so by default the bound only catches a plan gone wrong (a scan of the whole inbox takes seconds).
 */
const BUDGET_MS = Number(process.env.CONSOLE_SCALE_BUDGET_MS ?? 2_000);
let stack: Stack;
let cookie: string;

beforeAll(async () => {
  stack = await createStack("console_scale");
  const source = await stack.createSource({
    slug: "big",
    scheme: "hmac-sha256",
    handlers: [{ name: "log" }],
  });
  const types = [
    "invoice.paid",
    "invoice.created",
    "customer.updated",
    "charge.succeeded",
    "push",
    "pull_request",
  ];
  // One event every 2.6 s back from now, uuid v7 ids stamped with their receipt time.
  await seedEvents(
    stack.sql,
    [
      "id",
      "tenant_id",
      "source_id",
      "idempotency_key",
      "event_type",
      "status",
      "attempt_count",
      "received_at",
      "completed_at",
      "headers",
      "body",
      "content_type",
      "size",
    ],
    (tx) => tx`
    SELECT (lpad(to_hex(ms), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
           ${DEFAULT_TENANT_ID}::uuid, ${source.id}::uuid, 'evt_' || i, (${types}::text[])[1 + i % 6],
           CASE WHEN i % 97 = 0 THEN 'dead' ELSE 'completed' END::event_status, 1,
           to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0 + 0.05), '{"content-type":"application/json"}'::jsonb,
           convert_to(json_build_object('id', 'evt_' || i, 'type', (${types}::text[])[1 + i % 6],
             'data', json_build_object('object', json_build_object('customer', 'cus_' || (i % 20000),
               'amount', i % 10000, 'description', repeat('x', 120))))::text, 'UTF8'),
           'application/json', 300
    FROM (SELECT i, (extract(epoch FROM now()) * 1000)::bigint - i::bigint * 2592 AS ms, md5(i::text) AS h
          FROM generate_series(1, ${ROWS}::int) i) g`,
  );
  const res = await stack.app.request("/console/sign-in", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ key: TEST_ADMIN_KEY }),
  });
  cookie = res.headers.get("set-cookie")?.split(";")[0] ?? "";
}, 600_000);
afterAll(async () => {
  await stack?.close();
});

/** The median of 5 timed requests (after one warm-up), and the page. */
async function timed(qs: string): Promise<{ ms: number; html: string }> {
  let html = "";
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const started = performance.now();
    const res = await stack.app.request(`/console/events?${qs}`, { headers: { cookie } });
    html = await res.text();
    expect(res.status).toBe(200);
    if (i > 0) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { ms: times[2] ?? 0, html };
}

const since = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 16);

it.each([
  ["no filter", ""],
  ["status=dead", "status=dead"],
  ["type=invoice.paid", "type=invoice.paid"],
  ["type glob invoice.*", "type=invoice.*"],
  ["type glob, none match", "type=nothing.*"],
  ["idempotency key", "key=evt_4242"],
  ["handler", "handler=log"],
  ["body path, common value", "path=data.object.customer&value=cus_7"],
  ["body path, no match (one window)", "path=data.object.customer&value=cus_none"],
  ["body path + 3 days", `path=data.object.customer&value=cus_123&since=${since}`],
])(`%s answers in < ${BUDGET_MS} ms with ${ROWS} events`, async (name, qs) => {
  const { ms, html } = await timed(qs);
  console.log(`console events list, ${ROWS} events, ${name}: ${ms.toFixed(1)} ms`);
  expect(html).toContain("<h1>Events</h1>");
  expect(ms).toBeLessThan(BUDGET_MS);
});
