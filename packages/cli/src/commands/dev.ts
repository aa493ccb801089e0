import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { connect } from "../api.ts";
import { cliEnv } from "../env.ts";
import { CliError } from "../errors.ts";
import { paint, printErr } from "../output.ts";
import { runTail } from "./tail.ts";

/** The checkout this CLI belongs to (dev runs its scripts/start.ts). */
const CHECKOUT = new URL("../../../../", import.meta.url).pathname;

async function waitReady(url: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 300));
  }
}

export function registerDev(program: Command): void {
  program
    .command("dev")
    .description(
      "run the api and a worker that reload when a code handler changes, with tail in the same terminal",
    )
    .option("--handlers <dir>", "the code handlers (HANDLERS_DIR)", cliEnv().HANDLERS_DIR ?? "handlers")
    .option("--log-level <level>", "the api's and worker's LOG_LEVEL", cliEnv().LOG_LEVEL ?? "warn")
    .action(async (opts: { handlers: string; logLevel: string }) => {
      const start = join(CHECKOUT, "scripts", "start.ts");
      if (!existsSync(start))
        throw new CliError("hookbox dev runs from a Hookbox checkout (scripts/start.ts not found)");
      const handlersDir = resolve(opts.handlers);
      if (!existsSync(handlersDir))
        throw new CliError(`no handlers directory ${handlersDir} (--handlers <dir>)`);
      const child = spawn(process.execPath, [start, "--watch"], {
        cwd: CHECKOUT,
        stdio: "inherit",
        env: { ...cliEnv(), HANDLERS_DIR: handlersDir, LOG_LEVEL: opts.logLevel },
      });
      const controller = new AbortController();
      const stop = () => {
        controller.abort();
        if (child.exitCode === null) child.kill("SIGTERM");
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const exited = new Promise<number>((r) => child.once("exit", (code) => r(code ?? 1)));
      exited.then(() => controller.abort());
      const api = connect();
      await waitReady(api.target.url, controller.signal);
      if (!controller.signal.aborted)
        printErr(
          paint(
            "dim",
            `hookbox dev: ${api.target.url}, reloading on changes in ${handlersDir} — Ctrl-C to stop`,
            process.stderr,
          ),
        );
      await runTail(api, {}, controller.signal, (line) =>
        process.stdout.write(`${paint("dim", new Date().toTimeString().slice(0, 8))} ${line.text}\n`),
      );
      process.exitCode = await exited;
    });
}
