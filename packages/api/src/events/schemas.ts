import { z } from "@hono/zod-openapi";
import { EVENT_STATUSES } from "@hookbox/shared";

export const EventListQuerySchema = z.object({
  source: z.string().min(1).max(64).optional().openapi({ description: "Source slug or id." }),
  status: z.enum(EVENT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().optional().openapi({ description: "`nextCursor` of the previous page." }),
});

export const AttemptSchema = z
  .object({
    handler: z.string(),
    attempt: z.number(),
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
