import http from "node:http";
import https from "node:https";
import { failSpan, injectTraceHeaders, inSpan, tracingActive } from "@hookbox/shared";
import { assertPublicLiteral, publicOnlyLookup } from "./destination.ts";
import { PermanentError } from "./types.ts";

export interface PostOptions {
  timeoutMs: number;
  allowPrivateDestinations: boolean;
  signal?: AbortSignal;
}

/**
 * POSTs `body` and resolves with the status code. Private and loopback destinations are refused
 * (a `PermanentError`) unless allowed: IP literals up front, DNS names at connect time. Tracing
 * on: a client span (a child of the handler attempt), whose `traceparent` the request carries.
 * The span names the destination's host and port, never its path or query (a Slack webhook URL's
 * path is its secret; a forward URL may hold a token).
 */
export function postBytes(
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<number> {
  if (!tracingActive()) return send(url, body, headers, options);
  const attributes = {
    "http.request.method": "POST",
    "server.address": url.hostname,
    "server.port": Number(url.port) || (url.protocol === "https:" ? 443 : 80),
    "url.scheme": url.protocol.replace(":", ""),
  };
  return inSpan("POST", { kind: "client", attributes }, async (span) => {
    const traced = { ...headers };
    injectTraceHeaders(traced);
    const status = await send(url, body, traced, options);
    span?.setAttribute("http.response.status_code", status);
    if (status >= 400) failSpan(span, `answered ${status}`);
    return status;
  });
}

function send(
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<number> {
  if (!options.allowPrivateDestinations) assertPublicLiteral(url.hostname);
  const signal = AbortSignal.any([
    ...(options.signal ? [options.signal] : []),
    AbortSignal.timeout(options.timeoutMs),
  ]);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(body.length) },
        signal,
        ...(options.allowPrivateDestinations ? {} : { lookup: publicOnlyLookup }),
      },
      (response) => {
        response.resume(); // the answer's body is not needed; drain it so the socket is freed
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    request.on("error", (error) => {
      if (error instanceof PermanentError) reject(error);
      else if (signal.aborted) reject(new Error(`POST to ${url.origin} timed out`));
      else reject(new Error(`POST to ${url.origin} failed: ${describeFailure(error)}`));
    });
    request.end(body);
  });
}

/**
 * The reason a request failed, without the address it reached: a system error's message names
 * it (`connect ECONNREFUSED 10.0.0.7:80`), and a tenant reads this text in the attempt. The code
 * (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`) keeps the reason.
 */
function describeFailure(error: Error): string {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (!code) return error.message;
  return syscall ? `${syscall} ${code}` : code;
}

/**
 * Text from outside (an event type, a source name, an error) made inert in a Slack message:
 * Slack reads `<!channel>`, `<@U123>` and `<https://…|label>` as mentions and links, so `&`, `<`
 * and `>` are escaped as Slack documents (https://api.slack.com/reference/surfaces/formatting#escaping).
 */
export function escapeSlackText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Posts a message to a Slack incoming webhook; throws unless Slack answers 2xx. */
export async function sendSlackMessage(
  url: string,
  message: { text: string; blocks?: unknown[] },
  options: PostOptions,
): Promise<void> {
  const status = await postBytes(
    new URL(url),
    Buffer.from(JSON.stringify(message)),
    { "content-type": "application/json" },
    options,
  );
  if (status < 200 || status > 299) throw new Error(`Slack answered ${status}`);
}
