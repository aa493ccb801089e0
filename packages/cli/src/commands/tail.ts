import { type EventSummary, type HookboxEvent, streamCompletions } from "@hookbox/client";
import { matchesEvents } from "@hookbox/sdk";
import type { Command } from "commander";
import { type Api, connect, unwrap } from "../api.ts";
import { duration, paint, print, printErr } from "../output.ts";
import { readState, writeState } from "../settings.ts";

export interface TailOptions {
  source?: string;
  type?: string;
  json?: boolean;
  /** Receipt and retry polling period. */
  intervalMs?: number;
}

type Line = {
  kind: "received" | "retry" | "completed" | "dead";
  id: string;
  text: string;
  data: Record<string, unknown>;
};

/** Each poll looks this far back: ids are taken before commit, so a receipt can appear late. */
const RECENT_MS = 10_000;
/** A tail with nothing to resume shows the newest few events of the last minutes (with their outcome). */
const FRESH_START_MS = 5 * 60_000;
const FRESH_START_EVENTS = 10;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const abort = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener("abort", abort, { once: true });
  });

/**
 * `hookbox tail`: a line when an event is received and one per outcome. Receipts and retries
 * come from polling `GET /v1/events` (nothing is added to the ingest path), completions from the
 * SSE stream (`GET /v1/stream`, resumed with Last-Event-ID), each outcome's per-handler marks
 * from `GET /v1/events/:id`. Both resume points are kept in the state file across restarts.
 */
export async function runTail(
  api: Api,
  opts: TailOptions,
  signal: AbortSignal,
  write: (line: Line) => void,
): Promise<void> {
  const stateKey = `${api.target.url}${opts.source ? `#${opts.source}` : ""}`;
  const state = readState(stateKey);
  const save = () => writeState(stateKey, state);
  const interval = opts.intervalMs ?? 1_000;
  const wanted = (type: string | null) => !opts.type || matchesEvents([opts.type], type);
  /** Receipts already printed (ids), and failed attempts already printed (per event). */
  const seen = new Map<string, number>();
  const printedAttempts = new Map<string, Set<string>>();
  // Resumed: receipts up to the saved one were printed by the previous run.
  const floor = state.lastReceivedId ?? "";
  let pollSince = state.lastReceivedAt ?? new Date(Date.now() - FRESH_START_MS).toISOString();
  let first = !state.lastReceivedAt;
  /** One event's detail; null when it is gone (retention) or not this tenant's. */
  const detail = async (id: string): Promise<HookboxEvent | null> => {
    const call = api.client.GET("/v1/events/{id}", { params: { path: { id } } });
    if ((await call).response.status === 404) return null;
    return unwrap(call, api.target);
  };

  const received = (e: Pick<EventSummary, "id" | "source" | "type" | "receivedAt" | "status">) => {
    if (seen.has(e.id) || (floor && e.id <= floor)) return;
    seen.set(e.id, Date.parse(e.receivedAt));
    if (e.id > (state.lastReceivedId ?? "")) {
      state.lastReceivedId = e.id;
      state.lastReceivedAt = e.receivedAt;
      save();
    }
    if (!wanted(e.type)) return;
    write({
      kind: "received",
      id: e.id,
      text: `${paint("cyan", "-->")} ${e.source} ${e.type ?? "-"} ${e.id} new`,
      data: { source: e.source, type: e.type, receivedAt: e.receivedAt },
    });
  };

  /** Failed attempts not printed yet: `✗ forward attempt 2, retry in 8 s: 503`. */
  const failures = (event: HookboxEvent, baseline = false) => {
    const printed = printedAttempts.get(event.id) ?? new Set<string>();
    printedAttempts.set(event.id, printed);
    for (const a of event.attempts) {
      const key = `${a.handler}#${a.run}#${a.attempt}`;
      if (a.outcome !== "error" || printed.has(key)) continue;
      printed.add(key);
      if (baseline || !wanted(event.type)) continue;
      const retry = a.nextAttemptAt
        ? `, retry in ${duration(Math.max(0, Date.parse(a.nextAttemptAt) - Date.now()))}`
        : "";
      write({
        kind: "retry",
        id: event.id,
        text: `${paint("red", "✗")} ${event.id} ${a.handler} attempt ${a.attempt}${retry}: ${a.error ?? "failed"}`,
        data: {
          handler: a.handler,
          attempt: a.attempt,
          run: a.run,
          error: a.error,
          nextAttemptAt: a.nextAttemptAt,
        },
      });
    }
  };

  async function pollReceipts() {
    const since = new Date(Date.parse(pollSince) - RECENT_MS).toISOString();
    const fresh: EventSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await unwrap(
        api.client.GET("/v1/events", {
          params: {
            query: {
              since,
              limit: 100,
              ...(opts.source ? { source: opts.source } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
        api.target,
      );
      fresh.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && fresh.length < 1_000);
    const newest = fresh[0]?.receivedAt;
    if (newest && newest > pollSince) pollSince = newest;
    // A fresh tail shows the newest few of the last minutes; later polls show everything new.
    const shown = first ? fresh.slice(0, FRESH_START_EVENTS) : fresh;
    if (first) for (const e of fresh.slice(FRESH_START_EVENTS)) seen.set(e.id, Date.parse(e.receivedAt));
    first = false;
    for (const e of shown.reverse()) {
      received(e);
      if (e.status === "completed" || e.status === "dead") await settled(e);
    }

    for (const [id, at] of seen) if (at < Date.parse(pollSince) - 6 * RECENT_MS) seen.delete(id);
  }

  let retryBaseline = true;
  async function pollRetries() {
    const page = await unwrap(
      api.client.GET("/v1/events", {
        params: {
          query: { status: "retrying", limit: 100, ...(opts.source ? { source: opts.source } : {}) },
        },
      }),
      api.target,
    );
    for (const e of page.data) {
      const printed = printedAttempts.get(e.id);
      if (printed && printed.size >= e.attemptCount) continue;
      const event = await detail(e.id);
      if (event) failures(event, retryBaseline);
    }
    retryBaseline = false;
  }

  /** Outcomes already printed: an event settles again after each replay. */
  const settledSeen = new Set<string>();
  async function settled(summary: {
    id: string;
    source: string;
    run?: number;
    completedAt?: string | null;
  }): Promise<boolean> {
    if (opts.source && summary.source !== opts.source) return false;
    // Printed by an earlier run of tail (resumed): its outcome is older than the last one printed.
    if (summary.completedAt && state.lastSettledAt && summary.completedAt <= state.lastSettledAt)
      return false;
    if (summary.run !== undefined && settledSeen.has(`${summary.id}#${summary.run}`)) return true;
    const event = await detail(summary.id);
    if (!event) return false;
    if (event.completedAt && event.completedAt > (state.lastSettledAt ?? "")) {
      state.lastSettledAt = event.completedAt;
      save();
    }
    const key = `${event.id}#${event.run}`;
    if (settledSeen.has(key)) return true;
    settledSeen.add(key);
    if (settledSeen.size > 10_000) settledSeen.delete(settledSeen.values().next().value as string);
    received(event);
    failures(event);
    printedAttempts.delete(event.id);
    if (!wanted(event.type) || (event.status !== "completed" && event.status !== "dead")) return true;
    const marks = event.handlers
      .map((h) => {
        const mark = {
          succeeded: paint("green", "✓"),
          failed: paint("red", "✗"),
          filtered: "–",
          pending: "…",
          carried: "·",
        }[h.status];
        return `${h.key} ${mark}`;
      })
      .join(", ");
    const ms = Date.parse(event.completedAt ?? event.receivedAt) - Date.parse(event.receivedAt);
    const colour = event.status === "completed" ? "green" : "red";
    write({
      kind: event.status,
      id: event.id,
      text: `${paint(colour, "<--")} ${event.id} ${paint(colour, event.status)} ${duration(ms)} (${marks})`,
      data: {
        source: event.source,
        type: event.type,
        run: event.run,
        durationMs: ms,
        handlers: event.handlers,
      },
    });
    return true;
  }

  const polling = (async () => {
    while (!signal.aborted) {
      try {
        await pollReceipts();
        await pollRetries();
      } catch (error) {
        if (!signal.aborted) printErr(paint("yellow", `tail: ${(error as Error).message}`, process.stderr));
      }
      await sleep(interval, signal);
    }
  })();
  const streaming = (async () => {
    while (!signal.aborted) {
      try {
        for await (const m of streamCompletions({
          baseUrl: api.target.url,
          apiKey: api.target.apiKey,
          signal,
          ...(state.lastEventId ? { lastEventId: state.lastEventId } : {}),
        })) {
          const mine = await settled(m).catch((error: Error) => printErr(`tail: ${error.message}`));
          if (mine) {
            state.lastEventId = m.id;
            save();
          }
        }
      } catch (error) {
        if (!signal.aborted)
          printErr(
            paint("yellow", `tail: stream: ${(error as Error).message}; reconnecting`, process.stderr),
          );
      }
      await sleep(1_000, signal);
    }
  })();
  await Promise.all([polling, streaming]);
}

export function registerTail(program: Command): void {
  program
    .command("tail")
    .description(
      "the live flow: a line when an event is received and one per outcome; resumes where it stopped",
    )
    .option("--source <slug>", "only this source")
    .option("--type <glob>", "only these event types, e.g. 'invoice.*'")
    .option("--json", "one JSON object per line")
    .action(async (opts: TailOptions) => {
      const api = connect();
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      if (!opts.json)
        printErr(
          paint(
            "dim",
            `tailing ${api.target.url}${opts.source ? ` (source ${opts.source})` : ""} — Ctrl-C to stop`,
            process.stderr,
          ),
        );
      await runTail(api, opts, controller.signal, (line) => {
        if (opts.json)
          print(JSON.stringify({ kind: line.kind, id: line.id, at: new Date().toISOString(), ...line.data }));
        else print(`${paint("dim", new Date().toTimeString().slice(0, 8))} ${line.text}`);
      });
    });
}
