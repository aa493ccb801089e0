// Issue 13, item 3: bytes on the wire per row are measured and kept small. The api's ingest
// writer talks to Postgres through a counting TCP proxy; a batch of 1 KB JSON deliveries (with
// the headers a provider sends) must cost few bytes more than the deliveries themselves.
import { createServer, type Server, Socket } from "node:net";
import { createPool, DEFAULT_TENANT_ID, type Sql, warmUpDatabase } from "@hookbox/shared";
import { createTestDatabase, type TestDatabase } from "@hookbox/shared/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEventWriter, type NewEvent } from "../src/ingest/persist.ts";

let pg: TestDatabase;
let proxy: Server;
let sql: Sql;
let sent = 0;
let sourceId: string;

beforeAll(async () => {
  pg = await createTestDatabase("wire_bytes");
  const target = new URL(pg.url);
  proxy = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(Number(target.port || 5432), target.hostname);
    client.on("data", (chunk) => {
      sent += chunk.length;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  const via = new URL(pg.url);
  via.hostname = "127.0.0.1";
  via.port = String(typeof address === "object" && address ? address.port : 0);
  sql = createPool(via.toString(), { max: 1 });
  await warmUpDatabase(sql);
  const [row] = await pg.database.sql<{ id: string }[]>`
    INSERT INTO sources (id, tenant_id, slug, name, scheme, secrets, handlers)
    VALUES (gen_random_uuid(), ${DEFAULT_TENANT_ID}, 'wire', 'wire', 'none', '[]', '[]') RETURNING id`;
  sourceId = row?.id as string;
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
  proxy?.close();
  await pg?.drop();
});

const delivery = (i: number): NewEvent => {
  const body = Buffer.from(
    JSON.stringify({
      id: `evt_${i}`,
      type: "invoice.paid",
      data: { object: { id: `in_${i}`, amount: 1000, pad: "x".repeat(880) } },
    }),
  );
  return {
    tenantId: DEFAULT_TENANT_ID,
    sourceId,
    idempotencyKey: `evt_${i}`,
    eventType: "invoice.paid",
    headers: {
      "content-type": "application/json",
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    },
    body,
    contentType: "application/json",
  };
};

it("a batch of 1 KB JSON deliveries costs at most 1.5× their own bytes on the wire", async () => {
  const writer = createEventWriter(sql, { maxItems: 100, maxWaitMs: 5 });
  await Promise.all(Array.from({ length: 100 }, (_, i) => writer.persist(delivery(i)))); // prepares the statement
  const batch = Array.from({ length: 100 }, (_, i) => delivery(1000 + i));
  const own = batch.reduce(
    (n, d) => n + d.body.length + JSON.stringify(d.headers).length + (d.idempotencyKey?.length ?? 0),
    0,
  );
  sent = 0;
  const results = await Promise.all(batch.map((d) => writer.persist(d)));
  expect(results.every((r) => !r.duplicate)).toBe(true);
  const perRow = sent / batch.length;
  console.log(
    `ingest: ${Math.round(perRow)} bytes on the wire per row for ${Math.round(own / batch.length)} bytes of delivery (${(sent / own).toFixed(2)}×)`,
  );
  expect(sent / own).toBeLessThanOrEqual(1.5);
});

it("stores every body byte for byte: JSON, non-ASCII UTF-8, NUL, invalid UTF-8, empty", async () => {
  const writer = createEventWriter(sql, { maxItems: 10, maxWaitMs: 5 });
  const bodies = [
    Buffer.from('{"emoji":"🦄","quote":"\\"","backslash":"\\\\"}'),
    Buffer.from('ünïcödé, {"a":1}\n\t'),
    Buffer.from([0x7b, 0x00, 0x7d]),
    Buffer.from([0xff, 0xfe, 0x00, 0xc3]),
    Buffer.alloc(0),
  ];
  const ids = await Promise.all(
    bodies.map(
      async (body, i) => (await writer.persist({ ...delivery(5000 + i), body, idempotencyKey: null })).id,
    ),
  );
  const stored = await pg.database.sql<{ id: string; body: Buffer }[]>`
    SELECT id, body FROM deliveries WHERE id = ANY(${pg.database.sql.array(ids)}::uuid[])`;
  for (const [i, id] of ids.entries()) expect(stored.find((r) => r.id === id)?.body).toEqual(bodies[i]);
});
