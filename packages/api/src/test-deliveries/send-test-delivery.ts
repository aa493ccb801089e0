import { randomUUID } from "node:crypto";
import {
  AppError,
  activeSecrets,
  type Config,
  openSecretList,
  SCHEME_SPECS,
  type Scheme,
  type Sql,
  secretBoxOf,
  signDelivery,
} from "@hookbox/shared";
import type { Db } from "@hookbox/shared/drizzle";
import { generateSecret, getSource } from "../sources/queries.ts";
import { findRejectionReason } from "./queries.ts";
import type { TestDelivery, TestDeliveryAnswer } from "./schemas.ts";

/** The header that marks a test delivery; kept with the event's (and a rejection's) headers. */
export const TEST_DELIVERY_HEADER = "x-hookbox-test-delivery";
/** Schemes whose default idempotency key is the `Idempotency-Key` header. */
const KEYED_BY_HEADER: readonly Scheme[] = ["hmac-sha256", "token", "none"];
const REJECTION_WAIT_MS = 2_000;

/** How one request reaches POST /in/:slug: the real ingest route, called in process. */
export type Ingest = (
  slug: string,
  init: { headers: Record<string, string>; body: string },
) => Promise<Response>;

/**
 * `hookbox trigger`: signs `input.body` as the source's provider signs, with the source's
 * current secret (or, `tampered`, a wrong one; `stale`, a timestamp past the tolerance), and
 * sends it through the real ingest path, so verification, persistence, enqueue and the
 * rejection log all run. The secret never leaves the api.
 */
export async function sendTestDelivery(
  deps: { db: Db; sql: Sql; now: () => number; config: Config },
  ingest: Ingest,
  tenantId: string,
  sourceId: string,
  input: TestDelivery,
): Promise<TestDeliveryAnswer> {
  const source = await getSource(deps.db, tenantId, sourceId);
  const spec = SCHEME_SPECS[source.scheme];
  if (input.stale && !spec.timestamped)
    refuse(`stale: scheme ${source.scheme} signs no timestamp (stripe, slack and standard-webhooks do)`);
  if (input.tampered && spec.verification === "none") refuse("tampered: scheme none checks no signature");
  const now = deps.now();
  const current = activeSecrets(openSecretList(secretBoxOf(deps.config), source.secrets), now).at(-1) ?? "";
  const deliveryId = `msg_${randomUUID()}`;
  const signed = signDelivery(source.scheme, {
    body: input.body,
    secret: input.tampered ? generateSecret(source.scheme) : current,
    timestamp: Math.floor(now / 1000) - (input.stale ? source.toleranceSeconds + 60 : 0),
    id: deliveryId,
    ...(input.eventType ? { eventType: input.eventType } : {}),
  });
  const headers: Record<string, string> = {
    ...lowercase(input.headers),
    "content-type": input.contentType,
    ...(KEYED_BY_HEADER.includes(source.scheme) ? { "idempotency-key": deliveryId } : {}),
    ...signed,
    [TEST_DELIVERY_HEADER]: deliveryId,
  };
  const res = await ingest(source.slug, { headers, body: input.body });
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  const rejectionReason = res.status === 401 ? await findRejection(deps.sql, source.id, deliveryId) : null;
  return { deliveryId, status: res.status, answer, rejectionReason };
}

function refuse(problem: string): never {
  throw new AppError("bad_request", "The request is invalid.", { problems: [problem] });
}

function lowercase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The rejection log is written fire-and-forget after the 401: wait a moment for its row. */
async function findRejection(sql: Sql, sourceId: string, deliveryId: string): Promise<string | null> {
  const deadline = Date.now() + REJECTION_WAIT_MS;
  while (Date.now() < deadline) {
    const reason = await findRejectionReason(sql, sourceId, TEST_DELIVERY_HEADER, deliveryId);
    if (reason) return reason;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}
