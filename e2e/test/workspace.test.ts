import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

// The toolchain and the manifests agree with each other: one Node line, one version of each
// shared dependency, one licence. Static: no service needed.
const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

type Manifest = {
  name: string;
  license?: string;
  engines?: { node?: string };
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const workspace = parseYaml(read("pnpm-workspace.yaml")) as {
  packages: string[];
  catalog: Record<string, string>;
};
const manifestPaths = [
  "package.json",
  ...workspace.packages.flatMap((glob) =>
    glob.endsWith("/*")
      ? readdirSync(`${root}${glob.slice(0, -2)}`).map((dir) => `${glob.slice(0, -1)}${dir}/package.json`)
      : [`${glob}/package.json`],
  ),
];
const manifests = manifestPaths.map((path) => ({ path, ...(JSON.parse(read(path)) as Manifest) }));
const rootManifest = manifests[0] as Manifest;

describe("one Node version everywhere", () => {
  const engines = rootManifest.engines?.node ?? "";
  const major = engines.match(/^>=(\d+)$/)?.[1];

  it("engines, .nvmrc, bootstrap.sh and the Dockerfile name the same major version", () => {
    expect(major, `root engines.node is ">=N" (it is "${engines}")`).toBeDefined();
    expect(read(".nvmrc").trim()).toBe(major);
    const bootstrap = read("scripts/bootstrap.sh");
    expect(bootstrap).toContain(`NODE_VERSION=${major}\n`);
    expect(bootstrap).toContain('split(".")[0]) >= \'"$NODE_VERSION"\'');
    const from = [...read("Dockerfile").matchAll(/^FROM node:(\S+)/gm)].map((m) => m[1]);
    expect(from.length).toBeGreaterThan(0);
    for (const tag of from) expect(tag).toBe(`${major}-slim`);
  });

  it.each(manifests.map((m) => [m.path, m] as const))("%s says the same engines", (_, m) => {
    expect(m.engines?.node).toBe(engines);
  });

  it("the Node running the tests satisfies it", () => {
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(Number(major));
  });
});

describe("dependencies shared by several packages come from the catalog", () => {
  const uses = new Map<string, string[]>();
  for (const m of manifests) {
    for (const [dep, spec] of Object.entries({ ...m.dependencies, ...m.devDependencies })) {
      if (spec.startsWith("workspace:")) continue;
      uses.set(dep, [...(uses.get(dep) ?? []), `${m.path}: ${spec}`]);
    }
  }
  // typescript: the root's tsc is TypeScript 7 (native, no JS API); @hookbox/client's generator
  // (openapi-typescript) needs the TypeScript 5 compiler API. Two versions on purpose.
  const TWO_VERSIONS = new Set(["typescript"]);
  const shared = [...uses].filter(([dep, where]) => where.length > 1 && !TWO_VERSIONS.has(dep));

  it("several are shared (zod, bullmq, ioredis, postgres, hono, …)", () => {
    expect(shared.map(([dep]) => dep)).toEqual(
      expect.arrayContaining(["zod", "bullmq", "ioredis", "postgres"]),
    );
  });

  it.each(shared)("%s: every package says catalog:, the catalog has the version", (dep, where) => {
    expect(where.filter((w) => !w.endsWith(": catalog:"))).toEqual([]);
    expect(workspace.catalog[dep]).toMatch(/^\^?\d/);
  });
});

describe("build inputs", () => {
  it("turbo hashes tsconfig.base.json into every task", () => {
    const turbo = JSON.parse(read("turbo.json")) as { globalDependencies?: string[] };
    expect(turbo.globalDependencies).toContain("tsconfig.base.json");
  });

  it("pnpm typecheck covers scripts/ (root tsconfig) and e2e/soak.ts", () => {
    expect(rootManifest.scripts?.typecheck).toContain("typecheck:scripts");
    expect(rootManifest.scripts?.["typecheck:scripts"]).toContain("tsc -p tsconfig.json");
    expect((JSON.parse(read("tsconfig.json")) as { include: string[] }).include).toContain("scripts/**/*.ts");
    expect((JSON.parse(read("e2e/tsconfig.json")) as { include: string[] }).include).toContain("*.ts");
  });
});

describe("licence", () => {
  it("LICENSE holds the Apache License 2.0 and every package says so", () => {
    const text = read("LICENSE");
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(text).toContain("END OF TERMS AND CONDITIONS");
    for (const m of manifests) expect(m.license, m.path).toBe("Apache-2.0");
  });
});
