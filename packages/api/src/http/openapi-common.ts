import { z } from "@hono/zod-openapi";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    code: z.string(),
    problems: z.array(z.string()).optional(),
    requestId: z.string().optional(),
  })
  .openapi("Problem");

/** An error answer of the OpenAPI document: `description`, rendered as problem+json. */
export const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** A JSON body (request or answer) of the OpenAPI document. */
export const json = <T>(schema: T) => ({ content: { "application/json": { schema } } });

/** The error answers every authenticated /v1 route can give. */
export const commonErrors = {
  400: problem("Invalid request; `problems` names each one."),
  401: problem("Missing, unknown or revoked API key."),
  503: problem("Postgres unavailable."),
} as const;

export const notFound = { 404: problem("Not found (or another tenant's).") } as const;
export const conflict = { 409: problem("Conflict.") } as const;
export const forbidden = { 403: problem("Not allowed with this key.") } as const;

export const security = [{ bearer: [] as string[] }];
