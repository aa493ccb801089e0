import { type Fixture, loadFixture, runHandler } from "@hookbox/sdk/testing";
import { describe, expect, it } from "vitest";
import mergedPr from "./github-merged-pr.ts";

const merged = await loadFixture(new URL("./fixtures/github-pull-request-merged.json", import.meta.url));

/** The fixture with its body changed. */
function withBody(fixture: Fixture, change: (body: Record<string, unknown>) => unknown): Fixture {
  return { ...fixture, body: JSON.stringify(change(JSON.parse(fixture.body))) };
}

describe("merged-pr", () => {
  it("records a release note for a merged pull request", async () => {
    const result = await runHandler(mergedPr, merged);
    expect(result.outcome).toBe("success");
    expect(result.steps).toEqual({
      "release-note": {
        repository: "acme/shop",
        number: 42,
        title: "Ship orders from the Berlin warehouse",
        author: "octocat",
        mergedAt: "2026-12-01T10:03:09Z",
        mergeCommit: "9c1b7f0d5e3a4b2c8d6e0f1a2b3c4d5e6f7a8b9c",
        base: "main",
      },
    });
    expect(result.logs).toMatchObject([
      {
        level: "info",
        msg: "merged pull request recorded",
        obj: { delivery: "5d4c9e20-ce9b-11f0-8e6a-2b1f4c3d9a17" },
      },
    ]);
  });

  it.each([
    [
      "closed without merging",
      (b: Record<string, unknown>) => ({
        ...b,
        pull_request: { ...(b.pull_request as object), merged: false },
      }),
    ],
    ["opened", (b: Record<string, unknown>) => ({ ...b, action: "opened" })],
  ])("does nothing for a pull request %s", async (_name, change) => {
    const result = await runHandler(mergedPr, withBody(merged, change));
    expect(result.outcome).toBe("success");
    expect(result.steps).toEqual({});
  });

  it("filters other GitHub events", async () => {
    const result = await runHandler(mergedPr, { ...merged, type: "push" });
    expect(result).toMatchObject({ outcome: "filtered", reason: 'type "push" matches none of pull_request' });
  });

  it.each([
    ["no pull_request", withBody(merged, ({ pull_request: _, ...rest }) => rest)],
    ["a body that is not JSON", { ...merged, body: "action=closed" }],
  ])("dead-letters a malformed payload (%s) without retrying", async (_name, fixture) => {
    const result = await runHandler(mergedPr, fixture);
    expect(result).toMatchObject({ outcome: "error", retryable: false });
    expect(result.error?.message).toMatch(/^malformed pull_request payload/);
  });
});
