import type { Command } from "commander";
import { connect, findSource, unwrap } from "../api.ts";
import { CliError, usageError } from "../errors.ts";
import { paint, print, printErr, printJson } from "../output.ts";
import { listSamples, readData, samplePayload, sampleProvider, setPath } from "../samples.ts";

interface TriggerOptions {
  data?: string;
  set: string[];
  header: string[];
  tampered?: boolean;
  stale?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function samplesHelp(): string {
  const lines = Object.entries(listSamples()).map(([p, types]) => `  ${p.padEnd(18)} ${types.join(", ")}`);
  return `\nShipped samples (hmac-sha256, token and none sources use "hookbox"):\n${lines.join("\n")}\nAny other type sends a minimal payload of the provider's shape.`;
}

export function registerTrigger(program: Command): void {
  program
    .command("trigger <source> <event-type>")
    .description(
      "send a realistic sample delivery, signed as the source's provider signs with its real secret, through the real ingest path",
    )
    .option("--data <json|@file>", "the payload instead of the sample (a JSON object, or @file.json)")
    .option(
      "--set <path=value>",
      "change one field, e.g. --set data.object.amount=4200 (repeatable)",
      collect,
      [],
    )
    .option("--header <name:value>", "an extra header (repeatable)", collect, [])
    .option("--tampered", "sign with a wrong secret: expect 401 signature_mismatch")
    .option(
      "--stale",
      "sign with an old timestamp (stripe, slack, standard-webhooks): expect 401 timestamp_out_of_tolerance",
    )
    .option("--json", "print the answer as JSON")
    .addHelpText("after", () => samplesHelp())
    .action(async (ref: string, type: string, opts: TriggerOptions) => {
      const api = connect();
      const source = await findSource(api, ref);
      const provider = sampleProvider(source.scheme);
      const sample = samplePayload(provider, type);
      const payload = opts.data ? readData(opts.data) : sample.payload;
      for (const assignment of opts.set) setPath(payload, assignment);
      if (!opts.data && !sample.shipped && !opts.json)
        printErr(
          paint(
            "dim",
            `no ${provider} sample for "${type}": sending a minimal payload (see --help)`,
            process.stderr,
          ),
        );
      const headers: Record<string, string> = {};
      for (const h of opts.header) {
        const colon = h.indexOf(":");
        if (colon <= 0) throw usageError(`--header ${h}: use name:value`);
        headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
      }
      const answer = await unwrap(
        api.client.POST("/v1/sources/{id}/test-deliveries", {
          params: { path: { id: source.id } },
          body: {
            body: JSON.stringify(payload),
            contentType: "application/json",
            eventType: type,
            headers,
            tampered: Boolean(opts.tampered),
            stale: Boolean(opts.stale),
          },
        }),
        api.target,
      );
      const expectRefusal = Boolean(opts.tampered || opts.stale);
      const ok = expectRefusal ? answer.status === 401 : answer.status >= 200 && answer.status < 300;
      if (opts.json) printJson(answer);
      else if (answer.status < 300) {
        const a = answer.answer as { id?: string; status?: string; duplicate?: boolean };
        print(
          `${paint("cyan", "-->")} ${source.slug} ${type}: ${answer.status} ${a.duplicate ? "duplicate" : (a.status ?? "")} ${a.id ?? ""}`.trimEnd(),
        );
        if (a.id) print(paint("dim", `    hookbox events get ${a.id}   ·   hookbox tail`));
      } else {
        const reason = answer.rejectionReason ? `: ${answer.rejectionReason}` : "";
        const detail = (answer.answer as { detail?: string }).detail ?? "";
        print(`${paint("red", "-->")} ${source.slug} ${type}: ${answer.status} ${detail}${reason}`.trimEnd());
        if (answer.status === 401) print(paint("dim", `    hookbox rejections ${source.slug}`));
      }
      if (!ok)
        throw new CliError(
          expectRefusal ? `expected a 401, got ${answer.status}` : `ingest answered ${answer.status}`,
        );
    });
}
