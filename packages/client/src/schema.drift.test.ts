import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { generateSchema, SCHEMA_FILE } from "../scripts/generate.ts";

it("src/schema.ts is what the served /openapi.json generates (run `pnpm --filter @hookbox/client generate`)", async () => {
  expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(await generateSchema());
}, 30_000);

it("would notice a change of the document", async () => {
  const changed = await generateSchema({ openapi: "3.0.3", info: { title: "x", version: "1" }, paths: {} });
  expect(readFileSync(SCHEMA_FILE, "utf8")).not.toBe(changed);
});
