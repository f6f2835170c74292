// Merging into config.toml only ever inserts text, and reverting takes
// exactly that text back out, whatever the project's layout.
import { parse } from "smol-toml";
import { describe, expect, test } from "vitest";
import { planConfigEdits, revertEdits } from "./config-toml.mjs";

const ours = { functions: { dispatcher: { verify_jwt: false }, "scheduler-notify": { verify_jwt: false } }, apiSchemas: ["scheduler"] };

function roundTrip(text: string) {
  const plan = planConfigEdits(text, ours);
  expect(revertEdits(plan.text, plan.edits)).toEqual({ text, left: [] });
  return plan;
}

describe("planConfigEdits", () => {
  test("a one-line schemas list gets the schema after the project's own entries", () => {
    const plan = roundTrip('[api]\nschemas = ["public", "graphql_public"] # exposed\nport = 1\n');
    expect(plan.text.split("\n")[1]).toBe('schemas = ["public", "graphql_public", "scheduler"] # exposed');
    expect((parse(plan.text) as any).functions).toEqual(ours.functions);
  });

  test("a multi-line list with comments and a trailing comma keeps its layout", () => {
    const plan = roundTrip('[api]\nschemas = [\n  "public", # the app\n  "graphql_public",\n]\n\n[db]\nport = 2\n');
    expect(plan.text).toContain('  "graphql_public", "scheduler",\n]');
    expect((parse(plan.text) as any).api.schemas).toEqual(["public", "graphql_public", "scheduler"]);
  });

  test("an [api] table without schemas gets the key, with Supabase's defaults first", () => {
    const plan = roundTrip("[api]\nenabled = true\n\n[db]\nport = 2\n");
    expect((parse(plan.text) as any).api).toEqual({ schemas: ["public", "graphql_public", "scheduler"], enabled: true });
  });

  test("no [api] table: it goes in the appended block; a list that has the schema already is left alone", () => {
    expect((parse(roundTrip("[db]\nport = 2\n").text) as any).api.schemas).toEqual(["public", "graphql_public", "scheduler"]);
    const plan = roundTrip('[api]\nschemas = ["scheduler", "public"]\n');
    expect(plan.edits).toHaveLength(1);
    expect(plan.added.apiSchemas).toEqual([]);
  });

  test("arrays of arrays are values, not table headers", () => {
    const plan = roundTrip('x = [\n[1, 2],\n]\n[api]\nschemas = ["public"]\n');
    expect((parse(plan.text) as any).api.schemas).toEqual(["public", "scheduler"]);
  });

  test("what it cannot extend safely stops it, saying what to add by hand", () => {
    expect(() => planConfigEdits("[api]\nschemas = 3\n", ours)).toThrow(/not a list of strings this installer can extend; add "scheduler" to `schemas` under \[api\]/);
    expect(() => planConfigEdits("api.schemas = []\n", ours)).toThrow(/without an \[api\] table header/);
    expect(() => planConfigEdits("[functions.dispatcher]\nverify_jwt = true\n", ours)).toThrow(/already has \[functions.dispatcher\]/);
    expect(() => planConfigEdits("[api\n", ours)).toThrow(/not valid TOML/);
  });
});

describe("revertEdits", () => {
  test("after the project changed the file elsewhere, each insert is found by its text", () => {
    const text = '[api]\nschemas = ["public"]\n';
    const plan = planConfigEdits(text, ours);
    const edited = `# a new first line\n${plan.text}[storage]\nenabled = false\n`;
    expect(revertEdits(edited, plan.edits)).toEqual({ text: `# a new first line\n${text}[storage]\nenabled = false\n`, left: [] });
  });

  test("an insert the project has edited is handed back to do by hand", () => {
    const plan = planConfigEdits('[api]\nschemas = ["public"]\n', ours);
    const edited = plan.text.replace("[functions.dispatcher]\nverify_jwt = false", "[functions.dispatcher]\nverify_jwt = true");
    const { left } = revertEdits(edited, plan.edits);
    expect(left).toHaveLength(1);
    expect(left[0]).toContain("[functions.dispatcher]");
  });
});
