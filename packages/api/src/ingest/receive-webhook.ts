import { activeSecrets, type EventStatus, isDatabaseUnavailable } from "@hookbox/shared";
import { type RejectReason, verifierFor } from "../verify/index.ts";
import { deriveValue, lazyJson, normalizeKey, normalizeType } from "./derive.ts";
import type { PersistResult } from "./persist.ts";
import { redactHeaders } from "./redact-headers.ts";
import type { Delivery, IngestDeps } from "./types.ts";

export type ReceiveResult =
  | { kind: "accepted"; id: string; status: "queued" | "received" }
  | { kind: "duplicate"; id: string; status: EventStatus }
  | { kind: "handshake"; answer: Record<string, unknown> }
  | { kind: "unknown_source" }
  | { kind: "too_large"; limit: number }
  | { kind: "rate_limited"; retryAfterSeconds: number }
  | { kind: "backlogged"; retryAfterSeconds: number }
  | { kind: "invalid_signature"; reason: RejectReason }
  | { kind: "unavailable"; error: unknown };

/**
 * The way in: find source → read body (bounded) → verify → derive key and type → persist → enqueue.
 * The row is committed before anything is acknowledged; the enqueue runs after the answer and may
 * fail without losing it (the row goes back to `received`, the reconciler enqueues it).
 */
export async function receiveWebhook(
  deps: IngestDeps,
  slug: string,
  delivery: Delivery,
): Promise<ReceiveResult> {
  let source: Awaited<ReturnType<IngestDeps["sources"]["get"]>>;
  try {
    source = await deps.sources.get(slug);
  } catch (error) {
    if (isDatabaseUnavailable(error)) return { kind: "unavailable", error };
    throw error;
  }
  if (!source?.active) return { kind: "unknown_source" };
  const verifier = verifierFor(source.scheme);
  if (!verifier) return { kind: "unknown_source" };

  // Backpressure before any work: a cached count, not a Redis call.
  if (deps.backlog.waiting() > deps.config.ingestMaxBacklog)
    return { kind: "backlogged", retryAfterSeconds: 10 };
  if (source.rateLimitPerSecond !== null) {
    const decision = await deps.rateLimiter.check(source.id, source.rateLimitPerSecond);
    if (!decision.allowed) return { kind: "rate_limited", retryAfterSeconds: decision.retryAfterSeconds };
  }

  // MAX_BODY_BYTES is the default and the ceiling: a source can lower it, never raise it.
  const limit = Math.min(source.maxBodyBytes ?? deps.config.maxBodyBytes, deps.config.maxBodyBytes);
  const read = await delivery.readBody(limit);
  if (!read.ok) {
    deps.rejections.record(source, "too_large", delivery.headers, read.seen);
    return { kind: "too_large", limit };
  }
  const body = read.body;

  const now = deps.now();
  const secrets = activeSecrets(source.secrets, now);
  const verified = verifier.verify({
    headers: delivery.headers,
    body,
    secrets,
    toleranceSeconds: source.toleranceSeconds,
    now,
  });
  if (!verified.ok) {
    deps.rejections.record(source, verified.reason, delivery.headers, body.length);
    return { kind: "invalid_signature", reason: verified.reason };
  }
  if (secrets.length > 0) {
    // Rotation is visible: a previous secret still in use means the sender has not switched yet.
    const generation = verified.secretIndex === secrets.length - 1 ? "current" : "previous";
    deps.metrics.ingestVerified.inc({ source: source.slug, secret: generation });
  }

  const json = lazyJson(body);
  const handshake = verifier.handshake?.(json);
  if (handshake) return { kind: "handshake", answer: handshake };

  const idempotencyRules = source.idempotencyRule ? [source.idempotencyRule] : verifier.idempotency;
  const typeRules = source.eventTypeRule ? [source.eventTypeRule] : verifier.eventType;

  let persisted: PersistResult;
  try {
    persisted = await deps.writer.persist({
      tenantId: source.tenantId,
      sourceId: source.id,
      idempotencyKey: normalizeKey(deriveValue(idempotencyRules, delivery.headers, json)),
      eventType: normalizeType(deriveValue(typeRules, delivery.headers, json)),
      headers: redactHeaders(delivery.headers),
      body,
      contentType: delivery.headers.get("content-type"),
    });
  } catch (error) {
    if (isDatabaseUnavailable(error)) return { kind: "unavailable", error };
    throw error;
  }
  if (persisted.duplicate) return { kind: "duplicate", id: persisted.id, status: persisted.status };

  // Committed as `queued`: durable, and the reconciler adds the job if it never appears. The answer
  // does not wait for Redis (docs/adr/0013-ack-without-redis.md) unless too many enqueues are
  // already outstanding: then it waits for its own, so a slow Redis slows ingest as it used to.
  const enqueued = deps.enqueuer.enqueue(persisted.id);
  if (deps.enqueuer.pending() <= deps.config.ingestMaxPendingEnqueues)
    return { kind: "accepted", id: persisted.id, status: "queued" };
  const result = await enqueued;
  return { kind: "accepted", id: persisted.id, status: result.queued ? "queued" : "received" };
}
