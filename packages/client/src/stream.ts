import type { HookboxClientOptions } from "./index.ts";

/** One message of `GET /v1/stream` (`event: completed|dead`). */
export interface Completion {
  id: string;
  tenantId: string;
  source: string;
  type: string | null;
  status: "completed" | "dead";
  attempts: number;
  receivedAt: string;
  completedAt: string;
  durationMs: number;
}

export interface StreamOptions extends HookboxClientOptions {
  /** Resume after this event id: every completion missed since, then the live ones. */
  lastEventId?: string;
  signal?: AbortSignal;
}

/**
 * The tenant's completions as they happen (Server-Sent Events, parsed here: the OpenAPI
 * document can only say "text/event-stream"). Ends when the server closes the stream; throws
 * on an error answer. Reconnect with the last `id` you saw as `lastEventId`.
 */
export async function* streamCompletions(options: StreamOptions): AsyncGenerator<Completion> {
  const doFetch = options.fetch ?? ((request: Request) => fetch(request));
  const request = new Request(`${options.baseUrl.replace(/\/+$/, "")}/v1/stream`, {
    headers: {
      authorization: `Bearer ${options.apiKey}`,
      accept: "text/event-stream",
      ...(options.lastEventId ? { "last-event-id": options.lastEventId } : {}),
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const res = await doFetch(request);
  if (!res.ok || !res.body) {
    const problem = (await res.json().catch(() => ({}))) as { detail?: string };
    throw new Error(problem.detail ?? `GET /v1/stream answered ${res.status}`);
  }
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const data = buffer
        .slice(0, end)
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      buffer = buffer.slice(end + 2);
      if (data) yield JSON.parse(data) as Completion;
      end = buffer.indexOf("\n\n");
    }
  }
}
