import { INGEST_RESULTS } from "@hookbox/shared";
import { describe, expect, it } from "vitest";
import { answerStatus, INGEST_ANSWERS, type ReceiveKind } from "./answers.ts";

describe("INGEST_ANSWERS", () => {
  it("gives every result label of the ingest metrics, and no other", () => {
    expect(new Set(Object.values(INGEST_ANSWERS).map((a) => a.metric))).toEqual(new Set(INGEST_RESULTS));
  });

  it.each([
    ["accepted", 202],
    ["duplicate", 200],
    ["handshake", 200],
    ["unknown_source", 404],
    ["too_large", 413],
    ["invalid_signature", 401],
    ["rate_limited", 429],
    ["backlogged", 429],
    ["unavailable", 503],
  ] as [ReceiveKind, number][])("%s → %i (the ingress contract of DESIGN.md)", (kind, status) => {
    expect(answerStatus(kind)).toBe(status);
  });
});
