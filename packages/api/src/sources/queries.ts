import { randomBytes } from "node:crypto";
import {
  AppError,
  generateWhsecSecret,
  type HandlerCatalog,
  type HandlerSpec,
  type HandlerSpecInput,
  keepMaskedHeaders,
  maskHandlers,
  parseHandlerSpecs,
  SCHEME_SPECS,
  type Scheme,
  type SecretBox,
  type SourceSecret,
  sealHandlers,
  sealSecretList,
  uuidv7,
  weakSecretProblem,
} from "@hookbox/shared";

import { type Db, rejections, sources } from "@hookbox/shared/drizzle";
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import { reserveSlug } from "./reserve-slug.ts";
import type { SourceRules } from "./rules.ts";
import type { CreateSource, RotateForwardSecret, RotateSecret, SourceView, UpdateSource } from "./schemas.ts";

type SourceRow = typeof sources.$inferSelect;

const UNIQUE_VIOLATION = "23505";

/**
 * Turns a source row into its API shape; the secrets only when given (create). Forward header
 * values are write-only: they read as `***` (a PATCH that sends `***` back keeps the stored value).
 */
export function toSourceView(
  row: SourceRow,
  publicUrl: string,
  defaultMaxBody: number,
  secret?: string,
  forwardSecret?: string,
): SourceView {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    scheme: row.scheme,
    ...(secret !== undefined ? { secret } : {}),
    ...(forwardSecret !== undefined ? { forwardSecret } : {}),
    toleranceSeconds: row.toleranceSeconds,
    idempotency: row.idempotencyRule ?? null,
    eventType: row.eventTypeRule ?? null,
    handlers: maskHandlers(row.handlers),
    // What ingest enforces: the source's own limit under the operator's ceiling.
    maxBodyBytes: Math.min(row.maxBodyBytes ?? defaultMaxBody, defaultMaxBody),
    rateLimitPerSecond: row.rateLimitPerSecond,
    active: row.active,
    ingestUrl: `${publicUrl}/in/${row.slug}`,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A new secret in the form the scheme's senders use (its `secretFormat`). */
export function generateSecret(scheme: Scheme): string {
  return SCHEME_SPECS[scheme].secretFormat === "whsec"
    ? generateWhsecSecret()
    : randomBytes(32).toString("base64url");
}

/** A given secret long enough for its scheme's key (`minKeyBytes`), or a 400 naming the problem. */
function assertStrongSecret(scheme: Scheme, secret: string): void {
  const problem = weakSecretProblem(scheme, secret);
  if (problem)
    throw new AppError("bad_request", "The request is invalid.", { problems: [`secret: ${problem}`] });
}

/** A source's handlers checked against what is deployed and offered to the tenant (400 with one line per problem). */
function validateHandlers(
  handlers: HandlerSpecInput[],
  context: { catalog: HandlerCatalog; tenantId: string; scheme: Scheme },
): HandlerSpec[] {
  const parsed = parseHandlerSpecs(handlers, context);
  if (!parsed.ok) throw new AppError("bad_request", "The request is invalid.", { problems: parsed.problems });
  return parsed.specs;
}

/** A source may lower the body limit, never raise it above the operator's MAX_BODY_BYTES. */
function assertBodyLimit(
  maxBodyBytes: number | null | undefined,
  rules: Pick<SourceRules, "maxBodyBytes">,
): void {
  if (maxBodyBytes != null && maxBodyBytes > rules.maxBodyBytes) {
    throw new AppError("bad_request", "The request is invalid.", {
      problems: [`maxBodyBytes: at most ${rules.maxBodyBytes} (MAX_BODY_BYTES) on this installation`],
    });
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code =
    (error as { code?: string; cause?: { code?: string } }).code ??
    (error as { cause?: { code?: string } }).cause?.code;
  return code === UNIQUE_VIOLATION;
}

/** The API's source settings as table columns (the same mapping for create and update). */
function settingColumns(
  input: Partial<Omit<CreateSource, "slug" | "scheme" | "secret" | "handlers" | "name">>,
) {
  return {
    toleranceSeconds: input.toleranceSeconds,
    idempotencyRule: input.idempotency,
    eventTypeRule: input.eventType,
    maxBodyBytes: input.maxBodyBytes,
    rateLimitPerSecond: input.rateLimitPerSecond,
    active: input.active,
  };
}

/** A list of one new secret, sealed. */
function sealedList(box: SecretBox, secret: string, createdAt: string): SourceSecret[] {
  return [{ secret: box.seal(secret), createdAt, expiresAt: null }];
}

/** Creates a source; its secret (given or generated) and forward signing secret are sealed at rest. */
export async function createSource(
  db: Db,
  tenantId: string,
  input: CreateSource,
  rules: SourceRules,
): Promise<{ row: SourceRow; secret: string | undefined; forwardSecret: string }> {
  const scheme = input.scheme as Scheme;
  assertBodyLimit(input.maxBodyBytes, rules);
  const handlers = validateHandlers(input.handlers, { catalog: rules.catalog, tenantId, scheme });
  if (scheme !== "none" && input.secret !== undefined) assertStrongSecret(scheme, input.secret);
  const secret = scheme === "none" ? undefined : (input.secret ?? generateSecret(scheme));
  const createdAt = new Date().toISOString();
  const forwardSecret = generateWhsecSecret();
  try {
    const row = await db.transaction(async (tx) => {
      await reserveSlug(tx, tenantId, input.slug);
      const [inserted] = await tx
        .insert(sources)
        .values({
          id: uuidv7(),
          tenantId,
          slug: input.slug,
          name: input.name ?? input.slug,
          scheme,
          secrets: secret ? sealedList(rules.box, secret, createdAt) : [],
          forwardSecrets: sealedList(rules.box, forwardSecret, createdAt),
          ...settingColumns(input),
          handlers: sealHandlers(rules.box, handlers),
        })
        .returning();
      return inserted;
    });
    if (!row) throw new Error("insert returned no row");
    return { row, secret, forwardSecret };
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `The slug "${input.slug}" is taken.`);
    throw error;
  }
}

export async function listSources(db: Db, tenantId: string, limit: number, cursor: string | undefined) {
  return db
    .select()
    .from(sources)
    .where(
      and(
        eq(sources.tenantId, tenantId),
        isNull(sources.deletedAt),
        cursor ? lt(sources.id, cursor) : undefined,
      ),
    )
    .orderBy(desc(sources.id))
    .limit(limit + 1);
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * The tenant's live source, or a 404: another tenant's source is indistinguishable from none.
 * `lock`: FOR UPDATE, in a transaction, for a read-modify-write of its secrets.
 */
export async function getSource(
  db: Db | Tx,
  tenantId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<SourceRow> {
  const query = db
    .select()
    .from(sources)
    .where(and(eq(sources.id, id), eq(sources.tenantId, tenantId), isNull(sources.deletedAt)));
  const [row] = await (options.lock ? query.for("update") : query);
  if (!row) throw new AppError("not_found", "No such source.");
  return row;
}

export async function updateSource(
  db: Db,
  tenantId: string,
  id: string,
  input: UpdateSource,
  context: SourceRules & { scheme: Scheme; storedHandlers: HandlerSpec[] },
): Promise<SourceRow> {
  assertBodyLimit(input.maxBodyBytes, context);
  const handlers = input.handlers
    ? sealHandlers(
        context.box,
        keepMasked(validateHandlers(input.handlers, { ...context, tenantId }), context.storedHandlers),
      )
    : undefined;
  try {
    return await db.transaction(async (tx) => {
      if (input.slug !== undefined) await reserveSlug(tx, tenantId, input.slug);
      const [row] = await tx
        .update(sources)
        .set({
          slug: input.slug,
          name: input.name,
          ...settingColumns(input),
          handlers,
          updatedAt: new Date(),
        })
        .where(and(eq(sources.id, id), eq(sources.tenantId, tenantId), isNull(sources.deletedAt)))
        .returning();
      // Inside the transaction: a rename of a source that is not there reserves nothing.
      if (!row) throw new AppError("not_found", "No such source.");
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `The slug "${input.slug}" is taken.`);
    throw error;
  }
}

/** `***` header values replaced by the stored ones (see `keepMaskedHeaders`), or a 400. */
function keepMasked(handlers: HandlerSpec[], stored: HandlerSpec[]): HandlerSpec[] {
  const kept = keepMaskedHeaders(handlers, stored);
  if (!kept.ok) throw new AppError("bad_request", "The request is invalid.", { problems: kept.problems });
  return kept.handlers;
}

/** Soft delete: the source stops accepting deliveries, its events stay, its slug stays the tenant's (reserve-slug.ts). */
export async function deleteSource(db: Db, tenantId: string, id: string): Promise<SourceRow> {
  const [row] = await db
    .update(sources)
    .set({ deletedAt: new Date(), active: false, updatedAt: new Date() })
    .where(and(eq(sources.id, id), eq(sources.tenantId, tenantId), isNull(sources.deletedAt)))
    .returning();
  if (!row) throw new AppError("not_found", "No such source.");
  return row;
}

/** Secrets that expired this long ago are dropped from the row at the next rotation. */
const EXPIRED_SECRET_KEPT_MS = 7 * 86_400_000;

/**
 * `list` plus `secret` (sealed), every still-valid previous one expiring `expiresPreviousInSeconds`
 * from now (an earlier expiry is kept) and long-expired ones dropped.
 */
function rotateList(box: SecretBox, list: SourceSecret[], secret: string, expiresPreviousInSeconds: number) {
  const now = Date.now();
  const previousExpireAt = new Date(now + expiresPreviousInSeconds * 1000).toISOString();
  const kept = list
    .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now - EXPIRED_SECRET_KEPT_MS)
    .map((s) => ({
      ...s,
      expiresAt:
        s.expiresAt !== null && Date.parse(s.expiresAt) < Date.parse(previousExpireAt)
          ? s.expiresAt
          : previousExpireAt,
    }));
  const createdAt = new Date(now).toISOString();
  return {
    secrets: [...sealSecretList(box, kept), ...sealedList(box, secret, createdAt)],
    createdAt,
    previousExpireAt: kept.length > 0 ? previousExpireAt : null,
  };
}

/**
 * Adds a secret and gives every still-valid previous one an expiry `expiresPreviousInSeconds`
 * from now (an earlier expiry is kept). Until then old and new both verify.
 */
export async function rotateSecret(
  db: Db,
  tenantId: string,
  id: string,
  input: RotateSecret,
  box: SecretBox,
) {
  return db.transaction(async (tx) => {
    const row = await getSource(tx, tenantId, id, { lock: true });
    if (row.scheme === "none") throw new AppError("bad_request", "A source with scheme none has no secret.");
    if (input.secret !== undefined) assertStrongSecret(row.scheme, input.secret);
    const secret = input.secret ?? generateSecret(row.scheme);
    const rotated = rotateList(box, row.secrets, secret, input.expiresPreviousInSeconds);
    const [updated] = await tx
      .update(sources)
      .set({ secrets: rotated.secrets, updatedAt: new Date(rotated.createdAt) })
      .where(eq(sources.id, id))
      .returning();
    if (!updated) throw new AppError("not_found", "No such source.");
    return {
      slug: updated.slug,
      secret,
      createdAt: rotated.createdAt,
      previousExpireAt: rotated.previousExpireAt,
    };
  });
}

/**
 * A new forward signing secret (`whsec_…`, shown once); the previous ones keep signing (one
 * `v1,` signature each in `webhook-signature`) until `expiresPreviousInSeconds` from now.
 */
export async function rotateForwardSecret(
  db: Db,
  tenantId: string,
  id: string,
  input: RotateForwardSecret,
  box: SecretBox,
) {
  return db.transaction(async (tx) => {
    const row = await getSource(tx, tenantId, id, { lock: true });
    const forwardSecret = generateWhsecSecret();
    const rotated = rotateList(box, row.forwardSecrets, forwardSecret, input.expiresPreviousInSeconds);
    await tx
      .update(sources)
      .set({ forwardSecrets: rotated.secrets, updatedAt: new Date(rotated.createdAt) })
      .where(eq(sources.id, id));
    return { forwardSecret, createdAt: rotated.createdAt, previousExpireAt: rotated.previousExpireAt };
  });
}

export async function listRejections(db: Db, sourceId: string, limit: number, cursor: string | undefined) {
  const rows = await db
    .select()
    .from(rejections)
    .where(and(eq(rejections.sourceId, sourceId), cursor ? lt(rejections.id, cursor) : undefined))
    .orderBy(desc(rejections.id))
    .limit(limit + 1);
  return rows.map((r) => ({
    id: r.id,
    reason: r.reason,
    receivedAt: r.receivedAt.toISOString(),
    size: r.size,
    headers: r.headers,
  }));
}
