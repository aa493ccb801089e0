import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_TENANT_ID, uuidv7 } from "@hookbox/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { createStack, type Stack, startReceiver, waitForStatus } from "../src/index.ts";

const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");
const findTool = (name: string) => [`/usr/bin/${name}`, `/usr/local/bin/${name}`].find((p) => existsSync(p));
type Service = {
  restart?: string;
  deploy?: { replicas: number };
  entrypoint?: string[];
  environment?: Record<string, unknown>;
};
const compose = () => parseYaml(read("docker-compose.yml")) as { services: Record<string, Service> };
/** The variables docker-compose.yml requires (`${VAR:?}`), with values it accepts. */
const REQUIRED = {
  ADMIN_API_KEY: "x".repeat(32),
  ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
  GRAFANA_ADMIN_PASSWORD: "not-admin",
  ALERT_WEBHOOK_URL: "https://alerts.example.com/hook",
};
const dashboard = JSON.parse(readFileSync(`${root}infra/grafana/dashboards/hookbox.json`, "utf8")) as {
  panels: { title: string; targets: { expr: string }[] }[];
};
const alerts = parseYaml(readFileSync(`${root}infra/prometheus/alerts.yml`, "utf8")) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};
const expressions = [
  ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
  ...alerts.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
];

/** Labels Prometheus adds itself, or that every Hookbox metric carries. */
const TARGET_LABELS = new Set(["job", "instance", "le", "role"]);

let stack: Stack;
let scraped = "";

beforeAll(async () => {
  stack = await createStack("observability", { MAX_ATTEMPTS: "1" });
  const ok = await startReceiver(() => 200);
  const failing = await startReceiver(() => 500);
  const worker = await stack.startWorker();
  await stack.createSource({
    slug: "obs-ok",
    scheme: "hmac-sha256",
    secret: "obs-secret",
    handlers: [{ name: "forward", config: { url: ok.url } }],
  });
  await stack.createSource({
    slug: "obs-bad",
    scheme: "hmac-sha256",
    secret: "obs-secret",
    handlers: [{ name: "forward", config: { url: failing.url } }],
  });
  const send = async (slug: string, headers: Record<string, string> = {}) => {
    const body = JSON.stringify({ type: "obs", n: Math.random() });
    return (await stack.deliver(slug, "obs-secret", body, headers)).id as string | undefined;
  };
  const done = await send("obs-ok");
  const dead = await send("obs-bad");
  await send("obs-ok", { "x-signature": "sha256=00" }); // invalid_signature
  await send("nope"); // not_found
  await waitForStatus(stack.sql, done as string, "completed");
  await waitForStatus(stack.sql, dead as string, "dead");
  // A row whose enqueue never happened: the reconciler requeues it.
  const orphan = uuidv7();
  const [src] = await stack.sql<{ id: string }[]>`SELECT id FROM sources WHERE slug = 'obs-ok'`;
  await stack.sql`INSERT INTO events (id, tenant_id, source_id, headers, body, size, received_at)
                  VALUES (${orphan}, ${DEFAULT_TENANT_ID}, ${src?.id as string}, '{}', '\\x00', 1, now() - interval '1 minute')`;
  await waitForStatus(stack.sql, orphan, "completed");
  const apiMetrics = await stack.scrape();
  const workerMetrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
  scraped = `${apiMetrics}\n${workerMetrics}`;
  await ok.close();
  await failing.close();
});
afterAll(() => stack?.close());

/** metric name → label names seen on its samples */
function samples(): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const line of scraped.split("\n")) {
    const m = line.match(/^([a-z_:]+)(?:\{([^}]*)\})? /);
    if (!m?.[1]) continue;
    const labels = map.get(m[1]) ?? new Set<string>();
    for (const pair of (m[2] ?? "").split(",").filter(Boolean)) labels.add(pair.split("=")[0] as string);
    map.set(m[1], labels);
  }
  return map;
}

describe("dashboard and alert rules use only what Hookbox exports", () => {
  it.each(expressions)("$where", ({ expr }) => {
    const exported = samples();
    const names = [...new Set(expr.match(/\bhookbox_[a-z_]+\b/g) ?? [])];
    const labelsOfExpr = new Set<string>();
    for (const name of names) {
      expect(exported.has(name), `${name} is exported with samples`).toBe(true);
      for (const l of exported.get(name) ?? []) labelsOfExpr.add(l);
    }
    const used = [
      ...[...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) =>
        (m[1] as string).split(",").map((s) => s.trim()),
      ),
      ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
        [...(m[1] as string).matchAll(/(\w+)\s*=~?/g)].map((x) => x[1] as string),
      ),
      ...[...expr.matchAll(/\{\{\s*\$labels\.(\w+)\s*\}\}/g)].map((m) => m[1] as string),
    ].filter((l) => l && !TARGET_LABELS.has(l));
    for (const label of used) expect(labelsOfExpr.has(label), `label ${label} in ${expr}`).toBe(true);
  });

  it("the queue gauge reports every state, read from BullMQ", () => {
    for (const state of ["waiting", "active", "delayed", "failed", "completed"]) {
      expect(scraped).toMatch(new RegExp(`hookbox_queue_jobs\\{[^}]*state="${state}"`));
    }
    expect(scraped).toMatch(/hookbox_dead_events_total\{[^}]*source="obs-bad"[^}]*\} 1/);
    expect(scraped).toMatch(/hookbox_reconciler_requeues_total\{[^}]*status="received"[^}]*\} 1/);
    expect(scraped).toMatch(/hookbox_ingest_requests_total\{[^}]*source="_unknown"[^}]*result="not_found"/);
    expect(scraped).not.toMatch(/source="nope"/); // unknown slugs never become label values
  });
});

describe("static checks", () => {
  it("Prometheus config and rules validate, and alerts go to Alertmanager (promtool check config)", () => {
    const prometheus = parseYaml(read("infra/prometheus/prometheus.yml")) as {
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    expect(prometheus.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual(["alertmanager:9093"]);
    const promtool = findTool("promtool");
    if (!promtool) {
      // CI installs it (.ci/run); elsewhere, say so rather than pretend.
      expect(process.env.CI, "promtool is required in CI").toBeFalsy();
      return;
    }
    // rule_files are relative to the config: the same file in the repository and the container.
    const out = execFileSync(promtool, [
      "check",
      "config",
      `${root}infra/prometheus/prometheus.yml`,
    ]).toString();
    expect(out).toContain("is valid prometheus config file syntax");
    expect(out).toContain("SUCCESS: 6 rules found");
  });

  it("Alertmanager routes every alert to the webhook receiver at ALERT_WEBHOOK_URL", () => {
    const text = read("infra/alertmanager/alertmanager.yml");
    const config = parseYaml(text) as {
      route: { receiver: string; routes?: unknown[] };
      receivers: { name: string; webhook_configs?: { url_file: string; send_resolved: boolean }[] }[];
    };
    expect(config.route.routes).toBeUndefined(); // one route: nothing is dropped by a matcher
    const receiver = config.receivers.find((r) => r.name === config.route.receiver);
    const webhook = receiver?.webhook_configs?.[0];
    expect(webhook).toMatchObject({ send_resolved: true });
    // The compose service writes ALERT_WEBHOOK_URL to the file the receiver reads.
    const service = compose().services.alertmanager;
    expect(service?.entrypoint?.join(" ")).toContain(`"$$ALERT_WEBHOOK_URL" > ${webhook?.url_file}`);
    expect(String(service?.environment?.ALERT_WEBHOOK_URL)).toMatch(/^\$\{ALERT_WEBHOOK_URL:\?/);
    const amtool = findTool("amtool");
    if (!amtool) return; // optional: Debian's prometheus-alertmanager
    // Debian's amtool (0.25) predates webhook url_file (0.26): it checks the rest with the URL inline.
    const dir = mkdtempSync(join(tmpdir(), "hookbox-am-"));
    try {
      writeFileSync(
        join(dir, "alertmanager.yml"),
        text.replace(/^(\s+- )url_file: \S+$/m, "$1url: https://alerts.example.com/hook"),
      );
      expect(execFileSync(amtool, ["check-config", join(dir, "alertmanager.yml")]).toString()).toContain(
        "SUCCESS",
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("Grafana provisioning points at the dashboard and a Prometheus datasource", () => {
    const ds = parseYaml(
      readFileSync(`${root}infra/grafana/provisioning/datasources/prometheus.yml`, "utf8"),
    ) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    expect(ds.datasources[0]).toMatchObject({
      uid: "prometheus",
      type: "prometheus",
      url: "http://prometheus:9090",
    });
    const uids = new Set(
      (JSON.stringify(dashboard).match(/"uid":\s*"([^"]+)"/g) ?? []).map((m) =>
        m.replace(/.*"([^"]+)"$/, "$1"),
      ),
    );
    expect(uids).toEqual(new Set(["prometheus", "hookbox"]));
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(12);
  });

  it("docker-compose.yml parses (docker-compose config, when the client is installed)", () => {
    const { services } = compose();
    expect(Object.keys(services).sort()).toEqual([
      "alertmanager",
      "api",
      "grafana",
      "postgres",
      "prometheus",
      "redis",
      "worker",
    ]);
    expect(services.worker?.deploy?.replicas).toBe(2);
    for (const [name, service] of Object.entries(services))
      expect(service.restart, `${name} restarts`).toBe("unless-stopped");
    const client = spawnSync("docker-compose", ["config", "-q"], {
      cwd: root,
      env: { ...process.env, ...REQUIRED },
    });
    if (client.error) return; // no docker-compose client here
    expect(client.status, client.stderr?.toString()).toBe(0);
  });

  it(".env.example names every variable docker-compose.yml reads; left empty, the required ones stop it", () => {
    const example = new Set([...read(".env.example").matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    const used = new Set([...read("docker-compose.yml").matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]));
    expect([...used].filter((v) => !example.has(v))).toEqual([]);
    const required = [...read("docker-compose.yml").matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(Object.keys(REQUIRED)));
    const run = (env: Record<string, string>) =>
      spawnSync("docker-compose", ["--env-file", `${root}.env.example`, "config", "-q"], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", ...env },
      });
    if (run({}).error) return; // no docker-compose client here
    expect(run({}).status).not.toBe(0);
    expect(run(REQUIRED).status, run(REQUIRED).stderr?.toString()).toBe(0);
  });
});
