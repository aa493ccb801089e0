import { type HandlerCatalog, type SecretBox, secretBoxOf } from "@hookbox/shared";
import type { ApiDeps } from "../deps.ts";

/** What a source's settings are checked against: the deployed handlers and the operator's limits. */
export interface SourceRules {
  catalog: HandlerCatalog;
  /** MAX_BODY_BYTES: the default of a source's limit and its ceiling. */
  maxBodyBytes: number;
  /** Seals secrets and forward header values at rest (ENCRYPTION_KEY). */
  box: SecretBox;
}

export async function sourceRules(deps: Pick<ApiDeps, "handlers" | "config">): Promise<SourceRules> {
  return {
    catalog: await deps.handlers.catalog(),
    maxBodyBytes: deps.config.maxBodyBytes,
    box: secretBoxOf(deps.config),
  };
}
