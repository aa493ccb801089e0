import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, eventRow, type Stack, spawnService } from "../src/index.ts";

// Issue 12: a HANDLERS_DIR with a broken module stops a real worker process at start, with exit
// code 1 and one stderr line naming the file and the problem, before it takes any job.
const fixture = (dir: string) => fileURLToPath(new URL(`./fixtures/${dir}`, import.meta.url));

let stack: Stack;

beforeAll(async () => {
  stack = await createStack("code-handlers-load-errors");
  await stack.createSource({
    slug: "waiting",
    scheme: "hmac-sha256",
    secret: "w-secret",
    handlers: [{ name: "log" }],
  });
});
afterAll(() => stack?.close());

describe("a broken handler module stops the worker before it takes a job", () => {
  it.each([
    {
      module: "default export with an invalid id",
      dir: "handlers-broken-id",
      line: /^hookbox worker: handler module \S*handlers-broken-id\/bad-id\.ts is not a valid handler: id: .*"Fulfil Order"/,
    },
    {
      module: "module that throws at import",
      dir: "handlers-broken-import",
      line: /^hookbox worker: handler module \S*handlers-broken-import\/needs-licence\.ts failed to import: licence server unreachable$/,
    },
  ])("$module", async ({ dir, line }) => {
    // A job already waiting in the queue when the worker starts.
    const { code, id } = await stack.deliver("waiting", "w-secret", JSON.stringify({ type: "t", dir }));
    expect(code).toBe(202);

    const worker = spawnService("worker", { ...stack.env, HANDLERS_DIR: fixture(dir) });
    const exitCode = await worker.exited;
    expect(exitCode, worker.output.join("\n")).toBe(1);
    expect(worker.stderr).toHaveLength(1);
    expect(worker.stderr[0]).toMatch(line);

    // Not taken: the row was never claimed and the job still waits.
    expect(await eventRow(stack.sql, id)).toMatchObject({ status: "queued", attempt_count: 0 });
    expect(await (await stack.api.queues[0].getJob(id))?.getState()).toBe("waiting");
  });
});
