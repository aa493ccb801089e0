import type { Hook } from "@hono/zod-openapi";
import { AppError } from "@hookbox/shared";

/** Lists every zod issue as `path: message`, so a 400 names each problem. */
export function describeIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): string[] {
  return issues.map((i) => `${i.path.map(String).join(".") || "(body)"}: ${i.message}`);
}

/** OpenAPIHono's hook: a failed validation becomes a 400 problem+json naming each problem. */
// biome-ignore lint/suspicious/noExplicitAny: the library types the hook's input as any.
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (!result.success) {
    throw new AppError("bad_request", "The request is invalid.", {
      problems: describeIssues(result.error.issues),
    });
  }
};
