import { Command, CommanderError } from "commander";
import { registerDev } from "./commands/dev.ts";
import { registerEvents } from "./commands/events.ts";
import { registerLogin } from "./commands/login.ts";
import { registerReplay } from "./commands/replay.ts";
import { registerSources } from "./commands/sources.ts";
import { registerTail } from "./commands/tail.ts";
import { registerTest } from "./commands/test.ts";
import { registerTrigger } from "./commands/trigger.ts";
import { CliError, EXIT } from "./errors.ts";
import { printErr } from "./output.ts";

/** The `hookbox` command tree (commander). Every command has --help; reads have --json. */
export function createProgram(): Command {
  const program = new Command("hookbox")
    .description("Hookbox from the terminal: sources, signed test deliveries, a live tail, replay, fixtures.")
    .version("0.1.0")
    .addHelpText(
      "after",
      "\nEnvironment: HOOKBOX_URL, HOOKBOX_API_KEY (override `hookbox login`); NO_COLOR.\nExit codes: 0 ok, 1 failed, 2 usage.",
    )
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  registerLogin(program);
  registerSources(program);
  registerTrigger(program);
  registerTail(program);
  registerEvents(program);
  registerReplay(program);
  registerTest(program);
  registerDev(program);
  return program;
}

/** Runs argv; resolves with the exit code (errors are one line on stderr). */
export async function run(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; every parse error is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      printErr(`hookbox: ${error.message}`);
      return error.exitCode;
    }
    printErr(`hookbox: ${(error as Error).message ?? String(error)}`);
    return EXIT.failed;
  }
}
