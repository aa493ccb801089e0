import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.ts";

export type { components, paths };

type Schemas = components["schemas"];
export type Source = Schemas["Source"];
export type HandlerSpec = Schemas["Handler"];
export type EventSummary = Schemas["EventSummary"];
export type HookboxEvent = Schemas["Event"];
export type Attempt = Schemas["Attempt"];
export type HandlerOutcome = Schemas["HandlerOutcome"];
export type Rejection = Schemas["Rejection"];
export type Problem = Schemas["Problem"];
export type TestDeliveryAnswer = Schemas["TestDeliveryAnswer"];

export type HookboxClient = Client<paths>;

export interface HookboxClientOptions {
  /** Where Hookbox answers, e.g. `http://localhost:3000` (no trailing `/v1`). */
  baseUrl: string;
  /** An API key (or the admin key); sent as `Authorization: Bearer`. */
  apiKey: string;
  /** A fetch of your own (tests, proxies); defaults to the global one. */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * A typed client of the Hookbox API (openapi-fetch over the types generated from
 * `/openapi.json`): `client.GET("/v1/events/{id}", { params: { path: { id } } })` answers
 * `{ data, error, response }`, with `error` the problem+json of a refusal.
 */
export function createHookboxClient(options: HookboxClientOptions): HookboxClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** The one line a person should read from an error answer: the problem's `detail` and its `problems`. */
export function problemMessage(error: unknown, response?: Response): string {
  const p = (error ?? {}) as Partial<Problem>;
  const detail =
    p.detail ?? p.title ?? (response ? `HTTP ${response.status} ${response.statusText}` : "failed");
  return p.problems?.length ? `${detail} ${p.problems.join("; ")}` : detail;
}

export { type Completion, type StreamOptions, streamCompletions } from "./stream.ts";
