// `supabase functions deploy` bundles each function with its own deno.json,
// and so do the gateway and `deno check` (and install copies it into other
// projects), while vitest and `deno lint` resolve through the root deno.json
// and package.json. So each function's deno.json must map every bare
// specifier its code imports, to the npm: version package.json pins, and the
// root deno.json must map the same.
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";

const functionsDir = path.resolve(import.meta.dirname);
const repoRoot = path.resolve(functionsDir, "../..");
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));
const pkg = readJson(path.join(repoRoot, "package.json"));
const pinned: Record<string, string> = { ...pkg.dependencies, ...pkg.devDependencies };
const rootImports: Record<string, string> = readJson(path.join(repoRoot, "deno.json")).imports;

/** Every bare specifier the module graph from `entry` imports, following relative imports. */
function bareImports(entry: string): Set<string> {
  const bare = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, "utf8");
    for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|(?:^|\n)\s*import\s+"([^"]+)"/g)) {
      if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec));
      else if (!spec.startsWith("node:") && !spec.startsWith("npm:")) bare.add(spec);
    }
  };
  visit(entry);
  return bare;
}

const functions = fs.readdirSync(functionsDir)
  .filter((name) => !name.startsWith("_") && fs.existsSync(path.join(functionsDir, name, "index.ts")));

test("there are functions to check", () => {
  expect(functions.sort()).toEqual(["ai-prompt", "dispatcher", "edge-function", "hello-scheduler", "http", "inbound-events", "notify", "sql", "watch"]);
});

for (const name of functions) {
  test(`${name}/deno.json maps every package its code imports, at the version package.json pins`, () => {
    const imports: Record<string, string> = readJson(path.join(functionsDir, name, "deno.json")).imports;
    const used = [...bareImports(path.join(functionsDir, name, "index.ts"))].sort();
    expect(used.length).toBeGreaterThan(0);
    for (const spec of used) {
      // a subpath (@modelcontextprotocol/sdk/client/index.js) is mapped on its own, to that path of the pinned version
      const pkgName = spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/");
      const expected = `npm:${pkgName}@${pinned[pkgName]}${spec.slice(pkgName.length)}`;
      expect(pinned[pkgName], `${pkgName} is not in package.json`).toBeDefined();
      expect(imports[spec], `${name}/deno.json: ${spec}`).toBe(expected);
      expect(rootImports[spec], `deno.json: ${spec}`).toBe(expected);
    }
  });
}
