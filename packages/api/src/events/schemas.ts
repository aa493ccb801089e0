import { z } from "@hono/zod-openapi";
import { ATTEMPT_OUTCOMES, EVENT_STATUSES, TERMINAL_STATUSES } from "@hookbox/shared";

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
      .enum(TERMINAL_STATUSES)
      .optional()
      .openapi({ description: "Only settled events are replayed." }),
    type: z.string().min(1).max(200).optional(),
    since: Iso.optional(),
    until: Iso.optional(),
  })
  .strict()
  .openapi("BulkReplay");

export const ReplayOneSchema = z
  .object({
    handlers: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(20)
      .optional()
      .openapi({ description: "Handler keys to run; others keep their outcome of the last run." }),
  })
  .strict()
  .openapi("Replay");

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
    handler: z.string().openapi({ description: "The handler key within the source." }),
    attempt: z.number().openapi({ description: "This key's attempt in its run, from 1." }),
    run: z.number(),
    startedAt: z.string(),
    finishedAt: z.string(),
    outcome: z
      .enum(ATTEMPT_OUTCOMES)
      .openapi({ description: "`filtered`: its events excluded the type (`error` says why)." }),
    error: z.string().nullable(),
    durationMs: z.number(),
    nextAttemptAt: z
      .string()
      .nullable()
      .openapi({ description: "A failed attempt: when this key runs again." }),
  })
  .openapi("Attempt");

export const HandlerOutcomeSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    status: z.enum(["succeeded", "filtered", "failed", "pending", "carried"]).openapi({
      description:
        "In the event's current run: succeeded, filtered (not run: `reason`), failed (last attempt failed), pending (not run yet), carried (not part of this replay; its earlier outcome stands).",
    }),
    attempts: z.number(),
    reason: z.string().nullable(),
  })
  .openapi("HandlerOutcome");

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
  handlers: z
    .array(HandlerOutcomeSchema)
    .openapi({ description: "Each handler key's outcome in the current run." }),
}).openapi("Event");

export const EventListSchema = z
  .object({ data: z.array(EventSummarySchema), nextCursor: z.string().nullable() })
  .openapi("EventList");

export type EventSummary = z.infer<typeof EventSummarySchema>;
export type EventView = z.infer<typeof EventSchema>;
