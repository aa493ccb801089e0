import { z } from "@hono/zod-openapi";
import { EVENT_STATUSES } from "@hookbox/shared";

const Iso = z.iso.datetime({ offset: true });

/** Filters shared by listing and bulk replay (`since` inclusive, `until` exclusive, on receipt time). */
export const EventFilterQuerySchema = z.object({
  source: z.string().min(1).max(64).optional().openapi({ description: "Source slug or id." }),
  status: z.enum(EVENT_STATUSES).optional(),
  type: z.string().min(1).max(200).optional().openapi({ description: "Exact event type." }),
  since: Iso.optional().openapi({ description: "Received at or after (ISO 8601)." }),
  until: Iso.optional().openapi({ description: "Received before (ISO 8601)." }),
});

export const EventListQuerySchema = EventFilterQuerySchema.extend({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().optional().openapi({ description: "`nextCursor` of the previous page." }),
});

export const BulkReplaySchema = z
  .object({
    source: z.string().min(1).max(64).optional(),
    status: z
      .enum(["completed", "dead"])
      .optional()
      .openapi({ description: "Only settled events are replayed." }),
    type: z.string().min(1).max(200).optional(),
    since: Iso.optional(),
    until: Iso.optional(),
  })
  .strict()
  .openapi("BulkReplay");

export const ReplayAnswerSchema = z
  .object({ id: z.uuid(), status: z.literal("queued"), run: z.number() })
  .openapi("ReplayAnswer");

export const BulkReplayAnswerSchema = z
  .object({ count: z.number(), jobId: z.string() })
  .openapi("BulkReplayAnswer", {
    description: "`count` settled events match; they are replayed in batches.",
  });

export const AttemptSchema = z
  .object({
    handler: z.string(),
    attempt: z.number(),
    run: z.number(),
    startedAt: z.string(),
    finishedAt: z.string(),
    outcome: z.enum(["success", "error"]),
    error: z.string().nullable(),
    durationMs: z.number(),
  })
  .openapi("Attempt");

export const EventSummarySchema = z
  .object({
    id: z.uuid(),
    source: z.string(),
    type: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    status: z.enum(EVENT_STATUSES),
    attemptCount: z.number(),
    run: z.number().openapi({ description: "0 for the original delivery, n after n replays." }),
    receivedAt: z.string(),
    queuedAt: z.string().nullable(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    contentType: z.string().nullable(),
    size: z.number(),
  })
  .openapi("EventSummary");

export const EventSchema = EventSummarySchema.extend({
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  bodyEncoding: z.enum(["utf8", "base64"]),
  attempts: z.array(AttemptSchema),
}).openapi("Event");

export const EventListSchema = z
  .object({ data: z.array(EventSummarySchema), nextCursor: z.string().nullable() })
  .openapi("EventList");

export type EventSummary = z.infer<typeof EventSummarySchema>;
export type EventView = z.infer<typeof EventSchema>;
