// `pnpm --filter @hookbox/client generate`: writes src/schema.ts from the OpenAPI document the api
// serves. The document comes from the in-process app (`createApp(deps).request("/openapi.json")`),
// so no server has to run; schema.drift.test.ts fails when the checked-in file is out of date.
import { writeFileSync } from "node:fs";
import { createApiDeps, createApp } from "@hookbox/api";
import { createLogger, parseConfig } from "@hookbox/shared";
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from "openapi-typescript";

export const SCHEMA_FILE = new URL("../src/schema.ts", import.meta.url);

/** The OpenAPI document as the api serves it at GET /openapi.json. */
export async function servedDocument(): Promise<Record<string, unknown>> {
  // Building the deps opens no connection until a route needs one; /openapi.json needs none.
  const parsed = parseConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", ADMIN_API_KEY: "x".repeat(32) });
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  const deps = createApiDeps(parsed.config, { logger: createLogger("silent") });
  try {
    const res = await createApp(deps).request("/openapi.json");
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  } finally {
    await deps.close();
  }
}

/** The TypeScript types of that document, as openapi-typescript prints them. */
export async function generateSchema(document?: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS((document ?? (await servedDocument())) as unknown as OpenAPI3, {
    alphabetize: true,
  });
  return `${COMMENT_HEADER}${astToString(ast)}`;
}

if (import.meta.main) {
  writeFileSync(SCHEMA_FILE, await generateSchema());
  console.log(`wrote ${SCHEMA_FILE.pathname}`);
}
