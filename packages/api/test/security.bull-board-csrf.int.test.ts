import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, TEST_ADMIN_KEY, type TestApi } from "./helpers.ts";

// Attack: an operator logged in to Bull Board (basic auth, which the browser re-sends to every
// request under /admin/queues) visits another site. Its page submits a form — `text/plain`, no
// preflight — to Bull Board's JSON "add job" route, which parses the body anyway: a `bulk-replay`
// job of the attacker's choosing lands in the maintenance queue. Non-GET requests under
// /admin/queues must come from this origin.

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi("security_bull_board_csrf", { PUBLIC_URL: "https://hooks.example.com" });
});
afterAll(() => api?.close());

const AUTH = `Basic ${Buffer.from(`admin:${TEST_ADMIN_KEY}`).toString("base64")}`;
const FORGED_JOB = JSON.stringify({
  name: "bulk-replay",
  data: {
    tenantId: "00000000-0000-7000-8000-000000000001",
    filter: {},
    maxId: "ffffffff-ffff-7fff-bfff-ffffffffffff",
    afterId: null,
  },
});

function addJob(headers: Record<string, string>) {
  return api.app.request("/admin/queues/api/queues/maintenance/add", {
    method: "POST",
    headers: { authorization: AUTH, "content-type": "text/plain", ...headers },
    body: FORGED_JOB,
  });
}

async function bulkReplays(): Promise<number> {
  const jobs = await api.deps.maintenance.getJobs(["waiting", "delayed", "active", "prioritized"]);
  return jobs.filter((job) => job.name === "bulk-replay").length;
}

describe("Bull Board refuses cross-site writes", () => {
  it.each([
    ["another site's Origin", { origin: "https://evil.example" }],
    ["an opaque Origin", { origin: "null" }],
    ["the same host on another port", { origin: "http://localhost:8080" }],
    ["no Origin and no X-Requested-With", {}],
  ])("with %s: 403, nothing added to the queue", async (_, headers: Record<string, string>) => {
    const before = await bulkReplays();
    const res = await addJob(headers);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await bulkReplays()).toBe(before);
  });

  it.each([
    ["its own Origin", { origin: "http://localhost" }],
    ["PUBLIC_URL's origin (behind a proxy)", { origin: "https://hooks.example.com", host: "api:3000" }],
    ["no Origin but X-Requested-With (a script)", { "x-requested-with": "curl" }],
  ])("with %s: the job is added", async (_, headers: Record<string, string>) => {
    const before = await bulkReplays();
    const res = await addJob(headers);
    expect(res.status).toBe(200);
    expect(await bulkReplays()).toBe(before + 1);
  });

  it("reads still work without an Origin", async () => {
    const res = await api.app.request("/admin/queues/api/queues", { headers: { authorization: AUTH } });
    expect(res.status).toBe(200);
  });
});
