import type { operations } from "@octokit/openapi-webhooks-types";
import type { SelectEventTypes } from "./select-events.ts";

// @octokit/openapi-webhooks-types is generated from GitHub's OpenAPI description and kept current;
// its operations are named `<event>/<action>` (or `<event>`) in kebab case: `pull-request/closed`.
type OperationKey = keyof operations & string;
type Snake<S extends string> = S extends `${infer A}-${infer B}` ? `${A}_${Snake<B>}` : S;
type EventNameOf<K extends string> = K extends `${infer E}/${string}` ? Snake<E> : Snake<K>;

/** GitHub event names as sent in `X-GitHub-Event` (Hookbox's event type for a github source). */
export type GitHubEventName = EventNameOf<OperationKey>;

type OperationsOf<N extends string> = {
  [K in OperationKey]: EventNameOf<K> extends N ? K : never;
}[OperationKey];

/** The payload of one GitHub event (a union over its actions, discriminated by `action`). */
export type GitHubWebhookPayload<N extends GitHubEventName> =
  operations[OperationsOf<N>]["requestBody"]["content"]["application/json"];

/** The payloads of the GitHub events `events` lets through. */
export type GitHubPayload<Events extends readonly string[] | undefined> = GitHubWebhookPayload<
  SelectEventTypes<GitHubEventName, Events>
>;
