import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { loadFixture, runHandler } from "@hookbox/sdk/testing";
import type { Command } from "commander";
import { CliError, usageError } from "../errors.ts";
import { paint, print, printJson } from "../output.ts";

export function registerTest(program: Command): void {
  program
    .command("test <handler-file> <fixture>")
    .description("run a code handler once against a stored event (from hookbox pull), with steps in memory")
    .option("--config <json>", "the config a source would attach", "{}")
    .option("--attempt <n>", "which attempt to simulate", "1")
    .option("--json", "print the result as JSON")
    .action(
      async (
        file: string,
        fixturePath: string,
        opts: { config: string; attempt: string; json?: boolean },
      ) => {
        let config: unknown;
        try {
          config = JSON.parse(opts.config);
        } catch {
          throw usageError("--config: JSON");
        }
        const mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
        if (!mod.default)
          throw new CliError(`${file}: no default export (export default defineHandler({…}))`);
        const fixture = await loadFixture(resolve(fixturePath)).catch((error: Error) => {
          throw new CliError(error.message.split("\n").join(" "));
        });
        const result = await runHandler(mod.default as Parameters<typeof runHandler>[0], fixture, {
          config,
          attempt: Number(opts.attempt),
        }).catch((error: Error) => {
          throw new CliError(error.message.split("\n").join(" "));
        });
        if (opts.json) printJson({ ...result, error: result.error?.message });
        else {
          const mark =
            result.outcome === "success"
              ? paint("green", "✓ success")
              : result.outcome === "filtered"
                ? `– filtered: ${result.reason}`
                : paint("red", "✗ error");
          print(`${mark}  ${fixture.type ?? "-"} ${fixture.id}`);
          if (result.error)
            print(
              `  ${result.error.message}${result.retryable === false ? " (not retried)" : result.retryAfterMs ? ` (retry in ${result.retryAfterMs} ms)` : ""}`,
            );
          for (const [name, value] of Object.entries(result.steps))
            print(`  step ${name}: ${JSON.stringify(value)}`);
          for (const line of result.logs)
            print(`  log ${line.level} ${line.msg ?? ""}${line.obj ? ` ${JSON.stringify(line.obj)}` : ""}`);
        }
        if (result.outcome === "error") process.exitCode = 1;
      },
    );
}
