import { createInterface } from "node:readline/promises";
import { CliError, usageError } from "./errors.ts";

/** Asks y/N on a terminal; without one, the command needs --yes. */
export async function confirm(question: string): Promise<void> {
  if (!process.stdin.isTTY) throw usageError(`${question} Not a terminal: pass --yes`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError("nothing done");
}
