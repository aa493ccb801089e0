import { readFileSync } from "node:fs";
import { createHookboxClient } from "@hookbox/client";
import type { Command } from "commander";
import { unwrap } from "../api.ts";
import { cliEnv } from "../env.ts";
import { usageError } from "../errors.ts";
import { paint, print } from "../output.ts";
import { DEFAULT_URL, findLocalAdminKey, writeLogin } from "../settings.ts";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

export function registerLogin(program: Command): void {
  program
    .command("login [url]")
    .description(
      `store the URL and an API key in $XDG_CONFIG_HOME/hookbox/config.json (0600). Default: ${DEFAULT_URL} and, in a checkout, .hookbox/admin-key`,
    )
    .option("--key-file <file>", "read the key from this file")
    .option("--key-stdin", "read the key from standard input (e.g. from a password manager)")
    .action(async (url: string | undefined, opts: { keyFile?: string; keyStdin?: boolean }) => {
      const base = (url ?? cliEnv().HOOKBOX_URL ?? DEFAULT_URL).replace(/\/+$/, "");
      try {
        new URL(base);
      } catch {
        throw usageError(`not a URL: ${base}`);
      }
      let apiKey: string | undefined;
      let from: string;
      if (opts.keyStdin) {
        apiKey = await readStdin();
        from = "standard input";
      } else if (opts.keyFile) {
        apiKey = readFileSync(opts.keyFile, "utf8").trim();
        from = opts.keyFile;
      } else if (cliEnv().HOOKBOX_API_KEY) {
        apiKey = cliEnv().HOOKBOX_API_KEY;
        from = "HOOKBOX_API_KEY";
      } else {
        const local = findLocalAdminKey();
        apiKey = local?.key;
        from = local?.file ?? "";
      }
      if (!apiKey) throw usageError("no key: pass --key-file <file> or --key-stdin, or set HOOKBOX_API_KEY");
      // Check it before storing it: one call any key may make.
      const client = createHookboxClient({ baseUrl: base, apiKey });
      await unwrap(client.GET("/v1/sources", { params: { query: { limit: 1 } } }), {
        url: base,
        apiKey,
        keyFrom: from,
      });
      const file = writeLogin({ url: base, apiKey });
      print(`${paint("green", "logged in")} to ${base} with the key from ${from} (stored in ${file})`);
    });
}
