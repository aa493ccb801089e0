/** The closed list of error codes an api answer may carry, with their HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  invalid_signature: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export function codeToStatus(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

const TITLES: Record<ErrorCode, string> = {
  bad_request: "Bad request",
  unauthorized: "Unauthorized",
  invalid_signature: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  conflict: "Conflict",
  too_large: "Payload too large",
  rate_limited: "Too many requests",
  unavailable: "Service unavailable",
  internal: "Internal server error",
};

/** An expected failure with a stable code; rendered as RFC 9457 problem+json by the api. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly problems: string[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    extra: { problems?: string[]; retryAfterSeconds?: number } = {},
  ) {
    super(detail);
    this.name = "AppError";
    this.code = code;
    this.status = codeToStatus(code);
    this.title = TITLES[code];
    this.problems = extra.problems;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}
