import { readFile } from "node:fs/promises";
import { z } from "zod";

/** The stored event as `GET /v1/events/:id` answers it (what `hookbox pull <id>` writes); extra fields are kept. */
export const FixtureSchema = z.looseObject({
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().nullable(),
  idempotencyKey: z.string().nullable().default(null),
  receivedAt: z.iso.datetime({ offset: true }),
  run: z.number().int().min(0).default(0),
  contentType: z.string().nullable().default(null),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string(),
  bodyEncoding: z.enum(["utf8", "base64"]).default("utf8"),
});
export type Fixture = z.input<typeof FixtureSchema>;
export type ParsedFixture = z.output<typeof FixtureSchema>;

/** Checks a fixture; throws one line per problem, naming the field. */
export function parseFixture(value: unknown, origin = "fixture"): ParsedFixture {
  const parsed = FixtureSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(`${origin} is not a stored event (GET /v1/events/:id):\n${lines.join("\n")}`);
}

/** Reads a fixture file. Relative paths resolve from the working directory; pass a URL to be exact. */
export async function loadFixture(path: string | URL): Promise<ParsedFixture> {
  const text = await readFile(path, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${String(path)}: not JSON (${(error as Error).message})`);
  }
  return parseFixture(value, String(path));
}
