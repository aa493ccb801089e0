import type { EventSummary, HookboxEvent } from "@hookbox/client";
import type { Command } from "commander";
import { connect, findSource, unwrap } from "../api.ts";
import { usageError } from "../errors.ts";
import { duration, paint, parseSince, print, printJson, shortTime, table } from "../output.ts";

const STATUSES = ["received", "queued", "processing", "retrying", "completed", "dead"];

export interface EventFilterOptions {
  source?: string;
  status?: string;
  type?: string;
  since?: string;
  until?: string;
}

/** The CLI's filter flags as the API's query (relative times resolved now). */
export function eventQuery(opts: EventFilterOptions) {
  if (opts.status && !STATUSES.includes(opts.status))
    throw usageError(`--status: one of ${STATUSES.join(", ")}`);
  try {
    return {
      ...(opts.source ? { source: opts.source } : {}),
      ...(opts.status ? { status: opts.status as "dead" } : {}),
      ...(opts.type ? { type: opts.type } : {}),
      ...(opts.since ? { since: parseSince(opts.since) } : {}),
      ...(opts.until ? { until: parseSince(opts.until) } : {}),
    };
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

export function addFilterOptions(command: Command, statusHelp = STATUSES.join("|")): Command {
  return command
    .option("--source <slug>", "only this source")
    .option("--status <status>", statusHelp)
    .option("--type <type>", "exact event type")
    .option("--since <when>", "received at or after: 30m, 1h, 2d or an ISO time")
    .option("--until <when>", "received before: same forms");
}

const statusColour = (status: string) =>
  status === "completed"
    ? paint("green", status)
    : status === "dead"
      ? paint("red", status)
      : paint("yellow", status);

export function printEvent(e: HookboxEvent): void {
  print(`${paint("bold", e.id)}  ${e.source} ${e.type ?? "-"}  ${statusColour(e.status)}  run ${e.run}`);
  print(
    `  received ${e.receivedAt}${e.completedAt ? `  settled ${e.completedAt}` : ""}  ${e.size} bytes  key ${e.idempotencyKey ?? "-"}`,
  );
  if (e.lastError) print(`  last error: ${e.lastError}`);
  print(paint("bold", "headers"));
  for (const [k, v] of Object.entries(e.headers)) print(`  ${k}: ${v}`);
  print(paint("bold", `body (${e.bodyEncoding})`));
  let body = e.body;
  try {
    if (e.bodyEncoding === "utf8") body = JSON.stringify(JSON.parse(e.body), null, 2);
  } catch {}
  print(body.replace(/^/gm, "  "));
  print(paint("bold", "handlers"));
  for (const h of e.handlers)
    print(
      `  ${h.key} (${h.name}): ${h.status}, ${h.attempts} attempt${h.attempts === 1 ? "" : "s"}${h.reason ? ` — ${h.reason}` : ""}`,
    );
  print(paint("bold", "attempts"));
  for (const a of e.attempts) {
    const mark =
      a.outcome === "success" ? paint("green", "✓") : a.outcome === "filtered" ? "–" : paint("red", "✗");
    const next = a.nextAttemptAt ? `, next ${shortTime(a.nextAttemptAt)}` : "";
    print(
      `  ${shortTime(a.startedAt)} ${mark} ${a.handler} run ${a.run} #${a.attempt} ${duration(a.durationMs)}${a.error ? `: ${a.error}` : ""}${next}`,
    );
  }
}

export function registerEvents(program: Command): void {
  const events = program.command("events").description("list events, or show one (events get <id>)");
  addFilterOptions(events.command("list", { isDefault: true }).description("list events, newest first"))
    .option("--limit <n>", "how many (1-100)", "20")
    .option("--json", "print JSON")
    .action(async (opts: EventFilterOptions & { limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw usageError("--limit: 1 to 100");
      const api = connect();
      const page = await unwrap(
        api.client.GET("/v1/events", { params: { query: { ...eventQuery(opts), limit } } }),
        api.target,
      );
      if (opts.json) return printJson(page);
      if (page.data.length === 0) return print("no events match");
      print(
        table(
          ["ID", "RECEIVED", "SOURCE", "TYPE", "STATUS", "ATTEMPTS"],
          page.data.map((e: EventSummary) => [
            e.id,
            e.receivedAt.slice(0, 19).replace("T", " "),
            e.source,
            e.type ?? "-",
            statusColour(e.status),
            String(e.attemptCount),
          ]),
        ),
      );
      if (page.nextCursor) print(paint("dim", `more: raise --limit or narrow with --since/--until`));
    });
  events
    .command("get <id>")
    .description("one event: headers, body, per-handler outcome and the attempts timeline")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      const api = connect();
      const event = await unwrap(api.client.GET("/v1/events/{id}", { params: { path: { id } } }), api.target);
      if (opts.json) printJson(event);
      else printEvent(event);
    });

  program
    .command("rejections <source>")
    .description("deliveries the source refused (401, 413) and why, newest first")
    .option("--limit <n>", "how many (1-100)", "20")
    .option("--json", "print JSON")
    .action(async (ref: string, opts: { limit: string; json?: boolean }) => {
      const api = connect();
      const source = await findSource(api, ref);
      const page = await unwrap(
        api.client.GET("/v1/sources/{id}/rejections", {
          params: { path: { id: source.id }, query: { limit: Number(opts.limit) } },
        }),
        api.target,
      );
      if (opts.json) return printJson(page);
      if (page.data.length === 0) return print(`no rejections for ${source.slug}`);
      print(
        table(
          ["RECEIVED", "REASON", "SIZE"],
          page.data.map((r) => [r.receivedAt, r.reason, String(r.size)]),
        ),
      );
    });

  program
    .command("pull <id>")
    .description("write an event as JSON (GET /v1/events/:id): hookbox pull <id> > fixture.json")
    .action(async (id: string) => {
      const api = connect();
      printJson(await unwrap(api.client.GET("/v1/events/{id}", { params: { path: { id } } }), api.target));
    });
}
