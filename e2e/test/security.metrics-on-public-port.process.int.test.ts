import { readFileSync } from "node:fs";
import { createTestDatabase, signDelivery } from "@hookbox/shared/testing";
import { afterAll, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { startProcessStack } from "../src/index.ts";

// Attack: scrape GET /metrics on the public ingest port, with no credentials. The samples name
// every tenant's source slugs, their volumes and which secret generation verified (rotation
// state). The api must answer 404 there and serve its metrics only on METRICS_PORT, bound to
// loopback unless METRICS_HOST says otherwise.

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

it("GET /metrics on PORT answers 404 without a sample; METRICS_PORT on loopback serves them", async () => {
  const db = await createTestDatabase("security_metrics_port");
  cleanups.push(() => db.drop());
  const stack = await startProcessStack("security_metrics_port", db.url);
  cleanups.push(() => stack.stop());
  const created = await stack.call("POST", "/v1/sources", {
    slug: "acme-payroll",
    scheme: "hmac-sha256",
    secret: "acme-secret",
    handlers: [],
  });
  expect(created.status).toBe(201);
  const body = JSON.stringify({ type: "salary.paid" });
  const delivered = await fetch(`${stack.base}/in/acme-payroll`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...signDelivery("hmac-sha256", { body, secret: "acme-secret" }),
    },
    body,
  });
  expect(delivered.status).toBe(202);

  const publicScrape = await fetch(`${stack.base}/metrics`);
  expect(publicScrape.status).toBe(404);
  const publicText = await publicScrape.text();
  expect(publicText).not.toContain("acme-payroll");
  expect(publicText).not.toContain("hookbox_");
  // Nor is it described as a route of the public port.
  const openapi = (await (await fetch(`${stack.base}/openapi.json`)).json()) as { paths: object };
  expect(Object.keys(openapi.paths)).not.toContain("/metrics");

  const scrape = await fetch(`${stack.metricsBase}/metrics`);
  expect(scrape.status).toBe(200);
  expect(await scrape.text()).toMatch(/hookbox_ingest_requests_total\{[^}]*source="acme-payroll"[^}]*\} 1/);
  // The default bind address is loopback (the test sets none).
  const listening = stack.api.output.find((line) => line.includes("hookbox api listening")) ?? "{}";
  expect(JSON.parse(listening)).toMatchObject({ metricsHost: "127.0.0.1" });
});

interface ComposeService {
  environment?: Record<string, string>;
  ports?: string[];
}

// The same scrape, one step further: docker compose must not publish the metrics, nor a
// Prometheus or Grafana that shows them to anyone (anonymous viewer, admin/admin).
it("docker compose publishes no metrics port, Prometheus on loopback only, Grafana behind a password", () => {
  const root = new URL("../../", import.meta.url).pathname;
  const compose = parseYaml(readFileSync(`${root}docker-compose.yml`, "utf8")) as {
    services: Record<string, ComposeService>;
  };
  const { api, worker, prometheus, grafana } = compose.services;
  const published = (service: ComposeService | undefined) =>
    (service?.ports ?? []).map((p) => String(p).split(":").slice(0, -1).join(":"));
  const metricsPort = api?.environment?.METRICS_PORT ?? "3002";
  expect(published(api).some((hostSide) => hostSide.endsWith(metricsPort))).toBe(false);
  expect(published(worker)).toEqual([]);
  for (const hostSide of published(prometheus)) expect(hostSide).toMatch(/^127\.0\.0\.1:/);
  expect(grafana?.environment?.GF_AUTH_ANONYMOUS_ENABLED).not.toBe("true");
  // From the environment, with no default: `${VAR:?…}`.
  expect(grafana?.environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
  // Prometheus scrapes the api where it serves its metrics.
  const prom = parseYaml(readFileSync(`${root}infra/prometheus/prometheus.yml`, "utf8")) as {
    scrape_configs: { job_name: string; dns_sd_configs: { port: number }[] }[];
  };
  const apiJob = prom.scrape_configs.find((job) => job.job_name === "hookbox-api");
  expect(String(apiJob?.dns_sd_configs[0]?.port)).toBe(metricsPort);
});
