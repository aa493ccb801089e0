import { z } from "zod";
import { TERMINAL_STATUSES, type TerminalStatus } from "./domain.ts";

/** What a worker publishes when an event settles. Pub/sub is at-most-once: a hint, not a log. */
export const CompletionMessageSchema = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  source: z.string(),
  type: z.string().nullable(),
  status: z.enum(TERMINAL_STATUSES),
  attempts: z.number().int(),
  receivedAt: z.string(),
  completedAt: z.string(),
  durationMs: z.number(),
});
export type CompletionMessage = z.infer<typeof CompletionMessageSchema>;

/** `hookbox.<source>.<eventType>.<completed|dead>`; an event without a type uses `_`. */
export function completionChannel(source: string, eventType: string | null, status: TerminalStatus): string {
  return `hookbox.${source}.${eventType ?? "_"}.${status}`;
}

/** Pattern for PSUBSCRIBE matching every completion of one source (or all with `*`). */
export function completionPattern(source = "*"): string {
  return `hookbox.${source}.*`;
}
