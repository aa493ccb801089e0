import type { AppError } from "@hookbox/shared";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** RFC 9457 problem+json: `{type, title, status, detail, code, requestId}` (+ `problems` for 400s). */
export function problemResponse(error: AppError, requestId: string | undefined): Response {
  const body = {
    type: `https://hookbox.dev/problems/${error.code.replaceAll("_", "-")}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.problems ? { problems: error.problems } : {}),
    ...(requestId ? { requestId } : {}),
  };
  const headers: Record<string, string> = { "content-type": PROBLEM_CONTENT_TYPE };
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  return new Response(JSON.stringify(body), { status: error.status, headers });
}
