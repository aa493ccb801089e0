import { z } from "@hono/zod-openapi";

const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "must be an HTTP header name");

export const TestDeliverySchema = z
  .object({
    body: z
      .string()
      .max(1024 * 1024)
      .openapi({ description: "The payload, exactly as the provider would send it (it is signed as is)." }),
    contentType: z.string().min(1).max(200).default("application/json"),
    eventType: z.string().min(1).max(200).optional().openapi({
      description:
        "For the schemes whose senders name the type in a header (GitHub X-GitHub-Event, Shopify X-Shopify-Topic, X-Event-Type for hmac-sha256, token, none); the others read it from the payload.",
    }),
    headers: z
      .record(HeaderName, z.string().max(2000))
      .default({})
      .openapi({ description: "Extra headers; the signature headers are always the ones computed here." }),
    tampered: z
      .boolean()
      .default(false)
      .openapi({ description: "Sign with a wrong secret: the ingest answers 401 (signature_mismatch)." }),
    stale: z.boolean().default(false).openapi({
      description:
        "Sign with a timestamp past the source's tolerance (timestamped schemes only): 401 (timestamp_out_of_tolerance).",
    }),
  })
  .strict()
  .openapi("TestDelivery");

export const TestDeliveryAnswerSchema = z
  .object({
    deliveryId: z.string().openapi({
      description:
        "Sent as X-Hookbox-Test-Delivery (stored with the event's headers) and as the scheme's delivery id / idempotency key.",
    }),
    status: z.number().openapi({ description: "What POST /in/{slug} answered." }),
    answer: z
      .record(z.string(), z.unknown())
      .openapi({ description: "Its JSON body (problem+json when refused)." }),
    rejectionReason: z.string().nullable().openapi({
      description: "A 401's reason from the source's rejection log (the ingest answer gives no hint).",
    }),
  })
  .openapi("TestDeliveryAnswer");

export type TestDelivery = z.infer<typeof TestDeliverySchema>;
export type TestDeliveryAnswer = z.infer<typeof TestDeliveryAnswerSchema>;
