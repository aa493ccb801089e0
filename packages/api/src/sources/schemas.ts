import { z } from "@hono/zod-openapi";
import { SCHEMES } from "@hookbox/shared";

export const SlugSchema = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/, "must be 1-64 characters of a-z, 0-9 and -")
  .openapi({ example: "stripe-prod" });

export const ValueRuleSchema = z
  .union([
    z.object({ header: z.string().min(1).max(200) }).strict(),
    z
      .object({
        jsonPath: z
          .string()
          .regex(/^\$(\.[A-Za-z_$][\w$-]*|\[\d+\]|\['[^']*'\]|\["[^"]*"\])*$/, "must be like $.a.b[0]"),
      })
      .strict(),
  ])
  .nullable()
  .openapi("ValueRule", {
    description: "Where a value comes from: a header name or a JSON path. null = scheme default.",
  });

export const HandlerSpecSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .openapi({ description: "A built-in (log, forward, slack) or a code handler's id." }),
    key: z.string().min(1).max(64).optional().openapi({
      description: "Unique within the source (default: name): attach one handler several times.",
    }),
    events: z
      .array(z.string())
      .optional()
      .openapi({ description: 'Event type globs this attachment runs for; "!x" excludes.' }),
    config: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .openapi("Handler", {
    example: {
      name: "forward",
      key: "billing",
      events: ["invoice.*"],
      config: { url: "https://example.com/hook", timeoutMs: 10000 },
    },
  });

const SchemeSchema = z.enum(SCHEMES).openapi({ example: "hmac-sha256" });

export const CreateSourceSchema = z
  .object({
    slug: SlugSchema,
    name: z.string().min(1).max(200).optional(),
    scheme: SchemeSchema,
    secret: z.string().min(8).max(500).optional(),
    toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
    idempotency: ValueRuleSchema.default(null),
    eventType: ValueRuleSchema.default(null),
    handlers: z.array(HandlerSpecSchema).max(20),
    maxBodyBytes: z
      .number()
      .int()
      .min(1)
      .max(100 * 1024 * 1024)
      .nullable()
      .default(null),
    rateLimitPerSecond: z.number().int().min(1).max(1_000_000).nullable().default(null),
    active: z.boolean().default(true),
  })
  .strict()
  .openapi("CreateSource");

export const UpdateSourceSchema = z
  .object({
    slug: SlugSchema,
    name: z.string().min(1).max(200),
    toleranceSeconds: z.number().int().min(1).max(86_400),
    idempotency: ValueRuleSchema,
    eventType: ValueRuleSchema,
    handlers: z.array(HandlerSpecSchema).max(20),
    maxBodyBytes: z
      .number()
      .int()
      .min(1)
      .max(100 * 1024 * 1024)
      .nullable(),
    rateLimitPerSecond: z.number().int().min(1).max(1_000_000).nullable(),
    active: z.boolean(),
  })
  .partial()
  .strict()
  .openapi("UpdateSource");

export const SourceSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    scheme: z.string(),
    secret: z.string().optional().openapi({ description: "Only in the answer to create." }),
    forwardSecret: z.string().optional().openapi({
      description:
        "Only in the answer to create: the Standard Webhooks secret (`whsec_…`) that signs what `forward` sends (`webhook-signature`). Rotate with POST /v1/sources/{id}/forward-secret.",
    }),
    toleranceSeconds: z.number(),
    idempotency: ValueRuleSchema,
    eventType: ValueRuleSchema,
    handlers: z.array(HandlerSpecSchema).openapi({
      description:
        'Forward header values read as "***" (write-only); a PATCH that sends "***" back keeps the stored value.',
    }),
    maxBodyBytes: z.number(),
    rateLimitPerSecond: z.number().nullable(),
    active: z.boolean(),
    ingestUrl: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Source");

export const SourceListSchema = z
  .object({ data: z.array(SourceSchema), nextCursor: z.string().nullable() })
  .openapi("SourceList");

export type CreateSource = z.infer<typeof CreateSourceSchema>;
export type UpdateSource = z.infer<typeof UpdateSourceSchema>;
export type SourceView = z.infer<typeof SourceSchema>;

export const RotateSecretSchema = z
  .object({
    secret: z.string().min(8).max(500).optional(),
    expiresPreviousInSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(86_400),
  })
  .strict()
  .openapi("RotateSecret");

export const RotatedSecretSchema = z
  .object({
    secret: z.string().openapi({ description: "The new secret, shown this once." }),
    createdAt: z.string(),
    previousExpireAt: z
      .string()
      .nullable()
      .openapi({ description: "When the previous secrets stop verifying." }),
  })
  .openapi("RotatedSecret");

export const RotateForwardSecretSchema = RotateSecretSchema.omit({ secret: true }).openapi(
  "RotateForwardSecret",
);

export const RotatedForwardSecretSchema = z
  .object({
    forwardSecret: z.string().openapi({ description: "The new forward signing secret, shown this once." }),
    createdAt: z.string(),
    previousExpireAt: z
      .string()
      .nullable()
      .openapi({ description: "When the previous forward secrets stop signing." }),
  })
  .openapi("RotatedForwardSecret");

export const RejectionSchema = z
  .object({
    id: z.uuid(),
    reason: z.string(),
    receivedAt: z.string(),
    size: z.number(),
    headers: z.record(z.string(), z.string()),
  })
  .openapi("Rejection");

export const RejectionListSchema = z
  .object({ data: z.array(RejectionSchema), nextCursor: z.string().nullable() })
  .openapi("RejectionList");

export type RotateSecret = z.infer<typeof RotateSecretSchema>;
export type RotateForwardSecret = z.infer<typeof RotateForwardSecretSchema>;
