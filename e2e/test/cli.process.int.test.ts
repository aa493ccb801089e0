import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProcessStack, startProcessStack, TEST_ADMIN_KEY, waitFor } from "../src/index.ts";

/** The real binary, as `./hookbox <command>` runs it, against real api and worker processes. */
const MAIN = new URL("../../packages/cli/src/main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

let pg: TestDatabase;
let stack: ProcessStack;
let env: Record<string, string>;
let tail: ChildProcess;
const tailLines: string[] = [];

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: { ...env, ...extraEnv }, cwd: ROOT },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const idIn = (text: string) =>
  /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/.exec(text)?.[1] ?? "";
const tailSaw = (needle: string, what = needle) =>
  waitFor(() => (tailLines.some((l) => l.includes(needle)) ? true : undefined), {
    timeoutMs: 15_000,
    what: `tail: ${what}`,
  });

beforeAll(async () => {
  pg = await createTestDatabase("cli");
  stack = await startProcessStack("cli", pg.url);
  await stack.startWorker();
  const home = mkdtempSync(join(tmpdir(), "hookbox-cli-"));
  env = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_STATE_HOME: join(home, "state"),
    HOOKBOX_URL: stack.base,
    HOOKBOX_API_KEY: TEST_ADMIN_KEY,
    NO_COLOR: "1",
  };
  tail = spawn(process.execPath, [MAIN, "tail"], { env, stdio: ["ignore", "pipe", "pipe"] });
  tail.stdout?.on("data", (chunk: Buffer) => tailLines.push(...String(chunk).split("\n").filter(Boolean)));
  await waitFor(() => (tail.exitCode === null ? true : undefined));
}, 90_000);

afterAll(async () => {
  tail?.kill("SIGINT");
  await stack?.stop();
  await pg?.drop();
});

describe("hookbox CLI (real binary, real api and worker)", () => {
  it("sources create prints the ingest URL, the secret once and the provider's line", async () => {
    const { code, stdout } = await cli([
      "sources",
      "create",
      "shop",
      "--scheme",
      "hmac-sha256",
      "--handler",
      "log",
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("ingest URL  ");
    expect(stdout).toMatch(/\/in\/shop/);
    expect(stdout).toMatch(/secret {6}\S{20,}/);
    expect(stdout).toContain("X-Signature: sha256=");
    const get = await cli(["sources", "get", "shop"]);
    expect(get.stdout).not.toMatch(/secret {6}/); // shown once only
  });

  it.each([
    ["stripe", "payment_intent.succeeded"],
    ["github", "push"],
    ["shopify", "orders/create"],
    ["slack", "app_mention"],
    ["standard-webhooks", "user.created"],
    ["hmac-sha256", "order.paid"],
  ])("trigger signs as %s signs: 202, and tail sees %s completed", async (scheme, type) => {
    const slug = `t-${scheme}`;
    expect((await cli(["sources", "create", slug, "--scheme", scheme])).code).toBe(0);
    const { code, stdout } = await cli(["trigger", slug, type]);
    expect(code).toBe(0);
    expect(stdout).toContain(`${slug} ${type}: 202`);
    const id = idIn(stdout);
    await tailSaw(`--> ${slug} ${type} ${id} new`, "received");
    await tailSaw(`<-- ${id} completed`, "completed");
    expect(tailLines.find((l) => l.includes(`<-- ${id}`))).toContain("(log ✓)");
    const event = JSON.parse((await cli(["events", "get", id, "--json"])).stdout) as { type: string };
    expect(event.type).toBe(type);
  });

  it("--tampered answers 401 and rejections shows signature_mismatch; --stale shows timestamp_out_of_tolerance", async () => {
    await cli(["sources", "create", "bad", "--scheme", "stripe"]);
    const tampered = await cli(["trigger", "bad", "invoice.paid", "--tampered"]);
    expect(tampered.code).toBe(0); // the refusal asked for
    expect(tampered.stdout).toContain("401");
    expect(tampered.stdout).toContain("signature_mismatch");
    const stale = await cli(["trigger", "bad", "invoice.paid", "--stale"]);
    expect(stale.stdout).toContain("timestamp_out_of_tolerance");
    const rejections = await cli(["rejections", "bad"]);
    expect(rejections.stdout).toContain("signature_mismatch");
    expect(rejections.stdout).toContain("timestamp_out_of_tolerance");
    const events = JSON.parse((await cli(["events", "--source", "bad", "--json"])).stdout) as {
      data: unknown[];
    };
    expect(events.data).toHaveLength(0);
  });

  it("replay: one event, then in bulk (--dry-run only counts, --yes replays with progress)", async () => {
    await cli(["sources", "create", "again", "--scheme", "hmac-sha256"]);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(idIn((await cli(["trigger", "again", "order.paid"])).stdout));
    for (const id of ids) await tailSaw(`<-- ${id} completed`);
    const one = await cli(["replay", ids[0] ?? ""]);
    expect(one.stdout).toContain("queued as run 1");
    await waitFor(async () => {
      const e = JSON.parse((await cli(["events", "get", ids[0] ?? "", "--json"])).stdout) as {
        run: number;
        status: string;
      };
      return e.run === 1 && e.status === "completed" ? true : undefined;
    });
    const dry = await cli(["replay", "--source", "again", "--status", "completed", "--dry-run"]);
    expect(dry.stdout).toContain("3 settled events match (dry run");
    const unasked = await cli(["replay", "--source", "again", "--status", "completed"]);
    expect(unasked.code).toBe(2); // not a terminal: --yes is required
    const bulk = await cli(["replay", "--source", "again", "--status", "completed", "--yes"]);
    expect(bulk.code).toBe(0);
    expect(bulk.stderr).toContain("replayed 3/3");
  });

  it("pull writes a fixture that hookbox test runs a code handler against", async () => {
    await cli(["sources", "create", "gh", "--scheme", "github"]);
    const id = idIn((await cli(["trigger", "gh", "pull_request"])).stdout);
    await tailSaw(`<-- ${id} completed`);
    const pulled = await cli(["pull", id]);
    const fixture = join(env.HOME ?? "", "fixture.json");
    writeFileSync(fixture, pulled.stdout);
    const ok = await cli(["test", "handlers/github-merged-pr.ts", fixture]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("✓ success");
    expect(ok.stdout).toContain("step release-note");
    const failing = await cli(["test", "handlers/stripe-fulfil-order.ts", fixture]);
    expect(failing.code).toBe(1);
  });

  it("conventions: usage errors exit 2, API errors are one line from the problem's detail, login stores 0600 and never prints the key", async () => {
    expect((await cli(["no-such-command"])).code).toBe(2);
    expect((await cli(["trigger", "shop"])).code).toBe(2);
    const missing = await cli(["events", "get", "00000000-0000-7000-8000-000000000000"]);
    expect(missing).toMatchObject({ code: 1, stderr: "hookbox: No such event.\n" });
    const login = await cli(["login", stack.base], { HOOKBOX_URL: "" });
    expect(login.code).toBe(0);
    expect(login.stdout + login.stderr).not.toContain(TEST_ADMIN_KEY);
    expect(statSync(join(env.XDG_CONFIG_HOME ?? "", "hookbox", "config.json")).mode & 0o777).toBe(0o600);
    // Stored, it is used without the env variables.
    const list = await cli(["sources", "list", "--json"], { HOOKBOX_URL: "", HOOKBOX_API_KEY: "" });
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { slug: string }[]).map((s) => s.slug)).toContain("shop");
  });
});
