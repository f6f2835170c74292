import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { parseDotenv } from "./dotenv.mjs";
import { denoConfigArgs, limitsFromEnv } from "./gateway.mjs";
import { parseToml, verifyJwtFor } from "./toml.mjs";

test("verify_jwt is read per function and defaults to true", () => {
  const config = parseToml(`
project_id = "x" # comment
[functions.dispatcher]
verify_jwt = false
[functions."ai-prompt"]
verify_jwt = true
[functions.notify]
import_map = "./import_map.json"
`);
  expect(verifyJwtFor(config, "dispatcher")).toBe(false);
  expect(verifyJwtFor(config, "ai-prompt")).toBe(true);
  expect(verifyJwtFor(config, "notify")).toBe(true);
  expect(verifyJwtFor(config, "unlisted")).toBe(true);
  expect(config.project_id).toBe("x");
});

test("the project's own config.toml turns verify_jwt off for every function (each checks its caller)", async () => {
  const fs = await import("node:fs");
  const config = parseToml(fs.readFileSync(new URL("../../supabase/config.toml", import.meta.url), "utf8"));
  const functions = fs.readdirSync(new URL("../../supabase/functions/", import.meta.url))
    .filter((n) => !n.startsWith("_") && fs.existsSync(new URL(`../../supabase/functions/${n}/index.ts`, import.meta.url)));
  expect(functions.sort()).toEqual(["ai-prompt", "dispatcher", "edge-function", "hello-scheduler", "http", "inbound-events", "notify", "sql", "watch"]);
  for (const name of functions) expect(verifyJwtFor(config, name)).toBe(false);
});

test("dotenv: comments, quotes, export and inline comments", () => {
  expect(parseDotenv(`
# comment
export A=1
B = "two words"
C='single # not a comment'
D=plain # trailing comment
E="line\\nbreak"
not a line
`)).toEqual({ A: "1", B: "two words", C: "single # not a comment", D: "plain", E: "line\nbreak" });
});

test("the per-worker limits come from the environment, defaulting to hosted's Free plan", () => {
  expect(limitsFromEnv({})).toEqual({ wallClockSeconds: 150, requestTimeoutSeconds: 150 });
  expect(limitsFromEnv({ EDGE_WALL_CLOCK_SECONDS: "400", EDGE_REQUEST_TIMEOUT_SECONDS: "2.5" })).toEqual({ wallClockSeconds: 400, requestTimeoutSeconds: 2.5 });
  expect(() => limitsFromEnv({ EDGE_WALL_CLOCK_SECONDS: "0" })).toThrow(/EDGE_WALL_CLOCK_SECONDS must be a positive number of seconds, not "0"/);
  expect(() => limitsFromEnv({ EDGE_REQUEST_TIMEOUT_SECONDS: "soon" })).toThrow(/EDGE_REQUEST_TIMEOUT_SECONDS/);
});

test("a config.toml that is not TOML fails naming the file, line and column", () => {
  expect(() => parseToml('[functions.http]\nverify_jwt = fals\n', "supabase/config.toml")).toThrow(/^supabase\/config\.toml:2:\d+: Invalid TOML document/);
});

test("each function runs with its own imports, as supabase functions serve picks them, npm packages from node_modules", () => {
  const functionsDir = fs.mkdtempSync(path.join(os.tmpdir(), "deno-config-"));
  for (const fn of ["own", "none", "mapped"]) fs.mkdirSync(path.join(functionsDir, fn));
  fs.writeFileSync(path.join(functionsDir, "own/deno.json"), '{"imports":{}}');
  const fallback = path.join(functionsDir, "project-deno.json");
  fs.writeFileSync(fallback, "{}");
  const config = parseToml('[functions.mapped]\nimport_map = "./functions/import_map.json"\n');
  const args = (name: string, fallbackConfig?: string) => denoConfigArgs({ name, functionsDir, config, fallbackConfig });
  expect(args("own", fallback)).toEqual(["--node-modules-dir=manual", `--import-map=${path.join(functionsDir, "own/deno.json")}`]);
  expect(args("mapped", fallback)).toEqual(["--node-modules-dir=manual", `--import-map=${path.join(path.dirname(functionsDir), "functions/import_map.json")}`]);
  expect(args("none", fallback)).toEqual(["--node-modules-dir=manual", `--config=${fallback}`]);
  expect(args("none")).toEqual(["--node-modules-dir=manual"]);
  fs.rmSync(functionsDir, { recursive: true });
});
