import type postgres from "postgres";
import type { HandlerSpec, SourceSecret } from "../domain.ts";
import type { SecretBox } from "../secrets-at-rest.ts";
import { generateWhsecSecret, sealHandlers, sealSecretList } from "../source-secrets.ts";

interface Row {
  id: string;
  live: boolean;
  secrets: SourceSecret[];
  forwardSecrets: SourceSecret[];
  handlers: HandlerSpec[];
}

export interface SealReport {
  /** Source rows rewritten: a plaintext value sealed, an older key's value resealed, or a signing secret added. */
  rewritten: number;
  rows: number;
}

/**
 * Makes every secret of every source sealed with ENCRYPTION_KEY: plaintext (rows from before
 * encryption, or written by an older replica during a rolling upgrade) is sealed, values of a
 * previous key are resealed, and a live source without a forward signing secret gets one.
 * Idempotent; the api and worker run it at start after the migrations (under their lock), and
 * `pnpm db:reencrypt` runs it alone. A value sealed with a key that is not configured stops it
 * with the key id (a start with a missing ENCRYPTION_KEYS_PREVIOUS fails at once, not per delivery).
 *
 * Each row is written only if it is still what was read (a concurrent rotation wins; a later
 * run seals what it wrote, if it was an older replica's plaintext).
 */
export async function sealSourceSecrets(
  sql: postgres.Sql | postgres.ReservedSql,
  box: SecretBox,
): Promise<SealReport> {
  const rows = await sql<Row[]>`
    SELECT id, deleted_at IS NULL AS live, secrets, forward_secrets AS "forwardSecrets", handlers FROM sources`;
  let rewritten = 0;
  for (const row of rows) {
    const secrets = sealSecretList(box, row.secrets);
    const handlers = sealHandlers(box, row.handlers);
    const forwardSecrets =
      row.live && row.forwardSecrets.length === 0
        ? [{ secret: box.seal(generateWhsecSecret()), createdAt: new Date().toISOString(), expiresAt: null }]
        : sealSecretList(box, row.forwardSecrets);
    const same =
      JSON.stringify([secrets, handlers, forwardSecrets]) ===
      JSON.stringify([row.secrets, row.handlers, row.forwardSecrets]);
    if (same) continue;
    // sql.json: a jsonb parameter (a string would be serialized as a JSON string literal).
    const j = (value: unknown) => sql.json(value as postgres.JSONValue);
    const updated = await sql`
      UPDATE sources SET secrets = ${j(secrets)}, handlers = ${j(handlers)}, forward_secrets = ${j(forwardSecrets)}
      WHERE id = ${row.id} AND secrets = ${j(row.secrets)} AND handlers = ${j(row.handlers)}
        AND forward_secrets = ${j(row.forwardSecrets)}`;
    rewritten += updated.count;
  }
  return { rewritten, rows: rows.length };
}
