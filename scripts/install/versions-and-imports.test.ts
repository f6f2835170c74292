import { expect, test } from "vitest";
import { relativeImports, rewriteImports } from "./imports.mjs";
import { nextVersions, versionOf } from "./versions.mjs";

test("the scheduler's migrations sort after the project's, and not before now", () => {
  const now = new Date("2026-12-01T10:00:00.400Z");
  expect(nextVersions(["20250101000000"], 2, now)).toEqual(["20261201100000", "20261201100001"]);
  expect(nextVersions(["20270101235959"], 2, now)).toEqual(["20270102000000", "20270102000001"]);
  // numbered, not timestamped: a timestamp sorts after them; past any timestamp, count on
  expect(nextVersions(["0001", "0007"], 1, now)).toEqual(["20261201100000"]);
  expect(nextVersions(["99999999999999"], 2, now)).toEqual(["100000000000000", "100000000000001"]);
  expect(versionOf("20250101000000_app.sql")).toBe("20250101000000");
  expect(versionOf("README.md")).toBeNull();
});

test("relative imports are found and rewritten; bare and npm: specifiers are left as they are", () => {
  const source = [
    'import { z } from "zod";',
    'import type { A } from "../../../shared/contract.ts";',
    "import {\n  b,\n  c,\n} from '../_shared/x.ts';",
    'export * from "./y.ts";',
    'const m = await import("./lazy.ts");',
    '// imports from "../nowhere.ts" in a comment are not imports',
  ].join("\n");
  expect(relativeImports(source)).toEqual(["../../../shared/contract.ts", "../_shared/x.ts", "./y.ts", "./lazy.ts"]);
  const out = rewriteImports(source, (spec) => spec.replace("/shared/", "/scheduler-shared/"));
  expect(out).toContain('import type { A } from "../../../scheduler-shared/contract.ts";');
  expect(out).toContain("} from '../_shared/x.ts';");
  expect(out).toContain('import { z } from "zod";');
});
