import { createHookboxClient, type HookboxClient, problemMessage, type Source } from "@hookbox/client";
import { cliEnv } from "./env.ts";
import { CliError } from "./errors.ts";
import { resolveTarget, type Target } from "./settings.ts";

export interface Api {
  client: HookboxClient;
  target: Target;
}

export function connect(env: NodeJS.ProcessEnv = cliEnv()): Api {
  const target = resolveTarget(env);
  return { target, client: createHookboxClient({ baseUrl: target.url, apiKey: target.apiKey }) };
}

/** The data of an openapi-fetch answer, or a CliError with the problem's one line. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
  target?: Target,
): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new CliError(
      `cannot reach Hookbox${target ? ` at ${target.url}` : ""}${cause ? ` (${cause})` : ""}: is it running (\`./hookbox start\`)?`,
    );
  }
  const { data, error, response } = answer;
  if (!response.ok) {
    const hint = response.status === 401 && target ? ` (key from ${target.keyFrom})` : "";
    throw new CliError(`${problemMessage(error, response)}${hint}`);
  }
  return data as T;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A source by id or slug (the routes take ids; a slug is looked up in the list). */
export async function findSource(api: Api, ref: string): Promise<Source> {
  if (UUID.test(ref)) {
    return unwrap(api.client.GET("/v1/sources/{id}", { params: { path: { id: ref } } }), api.target);
  }
  let cursor: string | undefined;
  do {
    const page = await unwrap(
      api.client.GET("/v1/sources", { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }),
      api.target,
    );
    const hit = page.data.find((s) => s.slug === ref);
    if (hit) return hit;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  throw new CliError(`no source "${ref}" (hookbox sources list)`);
}
