import type { components, HandlerSpec, Source } from "@hookbox/client";
import type { Command } from "commander";
import { connect, findSource, unwrap } from "../api.ts";
import { confirm } from "../confirm.ts";
import { usageError } from "../errors.ts";
import { paint, print, printJson, table } from "../output.ts";

type Scheme = components["schemas"]["CreateSource"]["scheme"];
/** The API's schemes, in the order `--help` shows them (typed against the generated client). */
const SCHEMES = [
  "stripe",
  "github",
  "shopify",
  "slack",
  "standard-webhooks",
  "hookbox",
  "hmac-sha256",
  "token",
  "none",
] as const satisfies readonly Scheme[];
// A scheme the API gains and this list lacks fails the typecheck here.
const everySchemeListed: [Exclude<Scheme, (typeof SCHEMES)[number]>] extends [never] ? true : never = true;
void everySchemeListed;

/** Where to paste the ingest URL (and the secret) on the provider's side. */
export function providerLine(source: Pick<Source, "scheme" | "slug" | "ingestUrl">): string {
  const url = source.ingestUrl;
  const useTheirs = (what: string) =>
    `then give Hookbox ${what}: hookbox sources rotate ${source.slug} --secret '<it>'`;
  switch (source.scheme) {
    case "stripe":
      return `Stripe: Dashboard → Developers → Webhooks → Add endpoint, URL ${url}; ${useTheirs("the signing secret (whsec_…) Stripe shows")}`;
    case "github":
      return `GitHub: repository → Settings → Webhooks → Add webhook: Payload URL ${url}, Content type application/json, Secret = the secret above`;
    case "shopify":
      return `Shopify: subscribe with address ${url}; Shopify signs with your app's client secret, ${useTheirs("that client secret")}`;
    case "slack":
      return `Slack: your app → Event Subscriptions → Request URL ${url}; ${useTheirs("the app's Signing Secret (Basic Information)")}`;
    case "standard-webhooks":
      return `Standard Webhooks sender (Svix, Resend, …): endpoint URL ${url}, signing secret = the secret above (or ${useTheirs("theirs")})`;
    case "hmac-sha256":
      return `Your sender: POST to ${url} with X-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret above>`;
    case "token":
      return `Your sender: POST to ${url} with X-Webhook-Token: <the secret above>`;
    default:
      return `Your sender: POST to ${url} (no verification)`;
  }
}

/** `--handler log`, `--handler forward='{"url":"https://…"}'`, or a whole spec as JSON. */
export function parseHandlerOption(value: string, previous: HandlerSpec[] = []): HandlerSpec[] {
  const text = value.trim();
  let spec: HandlerSpec;
  try {
    if (text.startsWith("{")) spec = JSON.parse(text) as HandlerSpec;
    else {
      const eq = text.indexOf("=");
      spec =
        eq < 0
          ? { name: text, config: {} }
          : { name: text.slice(0, eq), config: JSON.parse(text.slice(eq + 1)) as Record<string, unknown> };
    }
  } catch {
    throw usageError(`--handler ${value}: use NAME, NAME='{"config":"json"}' or a JSON spec`);
  }
  return [...previous, spec];
}

const handlerNames = (s: Source) =>
  s.handlers.map((h) => (h.key && h.key !== h.name ? `${h.key}:${h.name}` : h.name)).join(",");

export function registerSources(program: Command): void {
  const sources = program
    .command("sources")
    .description("create, list, inspect, delete sources and rotate secrets");

  sources
    .command("create <slug>")
    .description("create a source: prints its ingest URL, its secret (this once) and where to paste them")
    .requiredOption("--scheme <scheme>", `how deliveries are signed: ${SCHEMES.join(", ")}`)
    .option(
      "--handler <spec>",
      'a handler to run (repeat for several): log, forward=\'{"url":"…"}\', a code handler id',
      parseHandlerOption,
      [],
    )
    .option("--secret <secret>", "use this secret (e.g. the provider's) instead of a generated one")
    .option("--name <name>", "a display name")
    .option("--json", "print the created source as JSON (with its secret)")
    .action(
      async (
        slug: string,
        opts: { scheme: string; handler: HandlerSpec[]; secret?: string; name?: string; json?: boolean },
      ) => {
        if (!(SCHEMES as readonly string[]).includes(opts.scheme))
          throw usageError(`--scheme: one of ${SCHEMES.join(", ")}`);
        const api = connect();
        const created = await unwrap(
          api.client.POST("/v1/sources", {
            body: {
              slug,
              scheme: opts.scheme as "stripe",
              handlers: opts.handler.length ? opts.handler : [{ name: "log", config: {} }],
              ...(opts.secret ? { secret: opts.secret } : {}),
              ...(opts.name ? { name: opts.name } : {}),
            } as never,
          }),
          api.target,
        );
        if (opts.json) return printJson(created);
        print(
          `${paint("green", "created")} source ${paint("bold", created.slug)} (${created.scheme}, handlers: ${handlerNames(created)})`,
        );
        print(`  ingest URL  ${created.ingestUrl}`);
        if (created.secret) print(`  secret      ${created.secret}   ${paint("dim", "(shown this once)")}`);
        // What `forward` sends is signed with it (Standard Webhooks): the destination needs it.
        if (created.forwardSecret && created.handlers.some((h) => h.name === "forward"))
          print(
            `  forward secret ${created.forwardSecret}   ${paint("dim", "(verifies forwards; shown this once)")}`,
          );
        print(`  ${providerLine(created)}`);
        print(paint("dim", `  try it: hookbox trigger ${created.slug} <event-type>`));
      },
    );

  sources
    .command("list")
    .description("list sources")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const api = connect();
      const all: Source[] = [];
      let cursor: string | undefined;
      do {
        const page = await unwrap(
          api.client.GET("/v1/sources", { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }),
          api.target,
        );
        all.push(...page.data);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      if (opts.json) return printJson(all);
      if (all.length === 0) return print("no sources yet: hookbox sources create <slug> --scheme <scheme>");
      print(
        table(
          ["SLUG", "SCHEME", "HANDLERS", "ACTIVE", "INGEST URL"],
          all.map((s) => [s.slug, s.scheme, handlerNames(s), s.active ? "yes" : "no", s.ingestUrl]),
        ),
      );
    });

  sources
    .command("get <source>")
    .description("show one source (slug or id); the secret is never shown again")
    .option("--json", "print JSON")
    .action(async (ref: string, opts: { json?: boolean }) => {
      const s = await findSource(connect(), ref);
      if (opts.json) return printJson(s);
      print(`${paint("bold", s.slug)}  ${s.id}`);
      for (const [k, v] of [
        ["name", s.name],
        ["scheme", s.scheme],
        ["ingest URL", s.ingestUrl],
        ["active", String(s.active)],
        ["tolerance", `${s.toleranceSeconds} s`],
        ["max body", `${s.maxBodyBytes} bytes`],
        ["rate limit", s.rateLimitPerSecond ? `${s.rateLimitPerSecond}/s` : "none"],
        ["idempotency", s.idempotency ? JSON.stringify(s.idempotency) : "scheme default"],
        ["event type", s.eventType ? JSON.stringify(s.eventType) : "scheme default"],
      ])
        print(`  ${String(k).padEnd(12)}${v}`);
      print("  handlers");
      for (const h of s.handlers)
        print(
          `    ${h.key ?? h.name}  ${h.name}${h.events ? ` events ${h.events.join(",")}` : ""}  ${JSON.stringify(h.config ?? {})}`,
        );
    });

  sources
    .command("rm <source>")
    .description("delete a source (its events are kept; its slug is free again)")
    .option("-y, --yes", "do not ask")
    .action(async (ref: string, opts: { yes?: boolean }) => {
      const api = connect();
      const s = await findSource(api, ref);
      if (!opts.yes) await confirm(`Delete source ${s.slug}?`);
      await unwrap(api.client.DELETE("/v1/sources/{id}", { params: { path: { id: s.id } } }), api.target);
      print(`deleted source ${s.slug}`);
    });

  sources
    .command("rotate <source>")
    .description("add a new secret (printed this once); the previous ones keep verifying until they expire")
    .option("--secret <secret>", "the new secret (e.g. the provider's); default: generated")
    .option("--expires-previous <seconds>", "how long the previous secrets keep verifying", "86400")
    .option("--json", "print JSON")
    .action(async (ref: string, opts: { secret?: string; expiresPrevious: string; json?: boolean }) => {
      const seconds = Number(opts.expiresPrevious);
      if (!Number.isInteger(seconds) || seconds < 0) throw usageError("--expires-previous: whole seconds");
      const api = connect();
      const s = await findSource(api, ref);
      const rotated = await unwrap(
        api.client.POST("/v1/sources/{id}/secrets", {
          params: { path: { id: s.id } },
          body: { expiresPreviousInSeconds: seconds, ...(opts.secret ? { secret: opts.secret } : {}) },
        }),
        api.target,
      );
      if (opts.json) return printJson(rotated);
      print(`new secret for ${s.slug}: ${rotated.secret}   ${paint("dim", "(shown this once)")}`);
      if (rotated.previousExpireAt) print(`previous secrets verify until ${rotated.previousExpireAt}`);
    });
}
