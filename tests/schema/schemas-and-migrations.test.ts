// supabase/schemas/ is the one home of each definition and the migrations are
// generated from it (npm run db:diff). These tests fail when the two disagree:
// a database built by `supabase db push` from supabase/migrations/ and one
// built from the tree must hold the same schema, and `supabase db diff` must
// find nothing to migrate. They build both on bare clusters of their own.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  buildBothSides,
  describeSchema,
  firstDifferences,
  schemaFiles,
  schemasDir,
  stopBothSides,
  supabaseDiff,
} from "../../scripts/lib/schema-tree.mjs";

let sides: ReturnType<typeof buildBothSides>;

beforeAll(() => {
  sides = buildBothSides();
}, 120_000);

afterAll(() => stopBothSides());

test("a database built from supabase/schemas/ holds what one built from supabase/migrations/ holds", () => {
  const differences = firstDifferences(describeSchema(sides.m), describeSchema(sides.s));
  expect(differences, "run `npm run db:diff -- <name>` to write the missing migration").toBe("");
});

test("supabase db diff finds nothing to migrate from the migrations to the tree", () => {
  expect(supabaseDiff(sides.m, sides.s)).toBe("");
});

const definition = /^create (?:or replace )?(function|procedure|table|view|type) (?:if not exists )?([a-z_]+\.[a-z_0-9]+)/gm;

test("each function, procedure, table, view and type has one home in supabase/schemas/, named after it", () => {
  const homes = new Map<string, string[]>();
  const misnamed: string[] = [];
  for (const rel of schemaFiles()) {
    const sql = fs.readFileSync(path.join(schemasDir, rel), "utf8");
    const names = [...sql.matchAll(definition)].map((m) => m[2]);
    for (const name of names) homes.set(name, [...(homes.get(name) ?? []), rel]);
    // one definition per file, and the file says which (tables may be numbered for their order)
    const base = path.basename(rel, ".sql").replace(/^\d+_/, "");
    if (names.length > 1 || (names.length === 1 && names[0].split(".")[1] !== base)) misnamed.push(`${rel}: ${names.join(", ")}`);
  }
  const twice = [...homes].filter(([, files]) => files.length > 1).map(([name, files]) => `${name} in ${files.join(", ")}`);
  expect(twice).toEqual([]);
  expect(misnamed).toEqual([]);
});
