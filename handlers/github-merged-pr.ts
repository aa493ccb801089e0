import { defineHandler, type GitHubWebhookPayload, NonRetriableError } from "@hookbox/sdk";

type PullRequestEvent = GitHubWebhookPayload<"pull_request">;

/** The types promise a pull_request payload; a body that is not one cannot get better on a retry. */
function assertPullRequestEvent(payload: unknown): asserts payload is PullRequestEvent {
  const p = payload as {
    action?: unknown;
    pull_request?: { number?: unknown };
    repository?: { full_name?: unknown };
  };
  if (
    typeof p?.action !== "string" ||
    typeof p.pull_request?.number !== "number" ||
    typeof p.repository?.full_name !== "string"
  ) {
    throw new NonRetriableError(
      "malformed pull_request payload: needs action, pull_request.number, repository.full_name",
    );
  }
}

// biome-ignore lint/style/noDefaultExport: the worker loads a handler module's default export.
export default defineHandler({
  id: "merged-pr",
  provider: "github",
  events: ["pull_request"],
  async handle({ event, payload, step, log }) {
    assertPullRequestEvent(payload);
    if (!(payload.action === "closed" && payload.pull_request.merged)) {
      log.debug(
        { action: payload.action, number: payload.pull_request.number },
        "not a merge, nothing to do",
      );
      return;
    }
    const pr = payload.pull_request;
    const note = await step("release-note", () => ({
      repository: payload.repository.full_name,
      number: pr.number,
      title: pr.title,
      author: pr.user?.login ?? null,
      mergedAt: pr.merged_at,
      mergeCommit: pr.merge_commit_sha,
      base: pr.base.ref,
    }));
    log.info({ ...note, delivery: event.idempotencyKey }, "merged pull request recorded");
  },
});
