import type { Command } from "commander";
import { type Api, connect, unwrap } from "../api.ts";
import { confirm } from "../confirm.ts";
import { CliError, usageError } from "../errors.ts";
import { paint, print, printErr, printJson } from "../output.ts";
import { addFilterOptions, type EventFilterOptions, eventQuery } from "./events.ts";

const COUNT_CAP = 10_000;

/** How many settled events match (what a bulk replay would take), counted page by page up to a cap. */
async function countSettled(api: Api, opts: EventFilterOptions): Promise<{ count: number; capped: boolean }> {
  let count = 0;
  for (const status of opts.status ? [opts.status] : ["completed", "dead"]) {
    let cursor: string | undefined;
    do {
      const page = await unwrap(
        api.client.GET("/v1/events", {
          params: {
            query: { ...eventQuery({ ...opts, status }), limit: 100, ...(cursor ? { cursor } : {}) },
          },
        }),
        api.target,
      );
      count += page.data.length;
      cursor = page.nextCursor ?? undefined;
      if (count >= COUNT_CAP) return { count, capped: true };
    } while (cursor);
  }
  return { count, capped: false };
}

async function showProgress(api: Api, jobId: string, count: number): Promise<void> {
  const tty = process.stderr.isTTY;
  let last = -1;
  for (;;) {
    const { data, response } = await api.client.GET("/v1/replays/{jobId}", { params: { path: { jobId } } });
    if (!data) {
      if (response.status === 404) return printErr("replay finished (its progress is no longer kept)");
      throw new CliError(`GET /v1/replays/${jobId} answered ${response.status}`);
    }
    if (data.replayed !== last) {
      last = data.replayed;
      const line = `replayed ${data.replayed}/${count}`;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    }
    if (data.done) {
      if (tty) process.stderr.write("\n");
      if (data.state === "failed") throw new CliError(`the replay job failed after ${data.replayed} events`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function registerReplay(program: Command): void {
  addFilterOptions(
    program
      .command("replay [id]")
      .description("replay one settled event, or every settled event matching the filters (asks first)"),
    "completed|dead",
  )
    .option(
      "--handler <key>",
      "replay only this handler key (one event; repeatable)",
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option("-y, --yes", "do not ask")
    .option("--dry-run", "only count what a bulk replay would take")
    .option("--no-wait", "do not wait for a bulk replay to finish")
    .option("--json", "print JSON")
    .action(
      async (
        id: string | undefined,
        opts: EventFilterOptions & {
          handler: string[];
          yes?: boolean;
          dryRun?: boolean;
          wait: boolean;
          json?: boolean;
        },
      ) => {
        const api = connect();
        const filtered = Boolean(opts.source || opts.status || opts.type || opts.since || opts.until);
        if (id) {
          if (filtered || opts.dryRun) throw usageError("give an event id or filters, not both");
          const answer = await unwrap(
            api.client.POST("/v1/events/{id}/replay", {
              params: { path: { id } },
              ...(opts.handler.length ? { body: { handlers: opts.handler } } : {}),
            }),
            api.target,
          );
          if (opts.json) return printJson(answer);
          return print(`${paint("cyan", "replay")} ${answer.id}: ${answer.status} as run ${answer.run}`);
        }
        if (!filtered)
          throw usageError("give an event id, or filters for a bulk replay (e.g. --status dead --since 1h)");
        if (opts.status && !["completed", "dead"].includes(opts.status))
          throw usageError("--status: completed or dead (only settled events replay)");
        const { count, capped } = await countSettled(api, opts);
        const counted = `${capped ? "more than " : ""}${count} settled event${count === 1 ? "" : "s"} match`;
        if (opts.dryRun) {
          if (opts.json) return printJson({ count, capped });
          return print(`${counted} (dry run: nothing replayed)`);
        }
        if (count === 0) return print(`${counted}: nothing to replay`);
        if (!opts.yes) await confirm(`${counted}. Replay them?`);
        const started = await unwrap(
          api.client.POST("/v1/events/replay", { body: eventQuery(opts) }),
          api.target,
        );
        if (opts.json && !opts.wait) return printJson(started);
        printErr(`replaying ${started.count} events (job ${started.jobId})`);
        if (opts.wait) await showProgress(api, started.jobId, started.count);
        if (opts.json) printJson(started);
      },
    );
}
