import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULT_TENANT_ID } from "../domain.ts";
import { createSecretBox, isSealed } from "../secrets-at-rest.ts";
import { createTestDatabase, type TestDatabase } from "../testing/index.ts";
import { migrate } from "./migrate.ts";

// The start step on a database of the schema before 0006: plaintext in, sealed out, once.

const box = createSecretBox(randomBytes(32));
const LIVE = "0190a000-0000-7000-8000-000000000001";
const DELETED = "0190a000-0000-7000-8000-000000000002";
let pg: TestDatabase;

beforeAll(async () => {
  pg = await createTestDatabase("seal_secrets", { upTo: 6 });
  const secrets = [{ secret: "plain-secret-0123456789", createdAt: "2026-01-01T00:00:00Z", expiresAt: null }];
  const handlers = [
    {
      name: "forward",
      key: "fwd",
      config: { url: "https://x.example/", headers: { authorization: "plain-header" } },
    },
    { name: "log", key: "log", config: {} },
  ];
  for (const [id, deleted] of [
    [LIVE, null],
    [DELETED, new Date()],
  ] as const) {
    await pg.database
      .sql`INSERT INTO sources (id, tenant_id, slug, name, scheme, secrets, handlers, deleted_at)
      VALUES (${id}, ${DEFAULT_TENANT_ID}, ${id.slice(-4)}, 'n', 'hmac-sha256', ${pg.database.sql.json(secrets)},
              ${pg.database.sql.json(handlers)}, ${deleted})`;
  }
});
afterAll(() => pg?.drop());

const rows = () =>
  pg.database.sql<{ id: string; row: string; secrets: { secret: string }[]; forwardSecrets: unknown[] }[]>`
    SELECT id, to_jsonb(s)::text AS row, secrets, forward_secrets AS "forwardSecrets" FROM sources s ORDER BY id`;

it("seals every plaintext value (deleted sources too), gives live sources a signing secret, and is idempotent", async () => {
  expect(await migrate(pg.url, { secretBox: box })).toEqual({ rows: 2, rewritten: 2 });
  const [live, deleted] = await rows();
  for (const row of [live, deleted]) {
    expect(row?.row).not.toContain("plain-secret");
    expect(row?.row).not.toContain("plain-header");
    expect(row?.secrets.every((s) => isSealed(s.secret))).toBe(true);
  }
  expect(live?.forwardSecrets).toHaveLength(1);
  expect(deleted?.forwardSecrets).toHaveLength(0);
  expect(box.open(live?.secrets[0]?.secret ?? "")).toBe("plain-secret-0123456789");

  const before = await rows();
  expect(await migrate(pg.url, { secretBox: box })).toEqual({ rows: 2, rewritten: 0 });
  expect(await rows()).toEqual(before);
});

it("without a box (db:migrate of an older caller) nothing is touched", async () => {
  const before = await rows();
  expect(await migrate(pg.url)).toBeNull();
  expect(await rows()).toEqual(before);
});
