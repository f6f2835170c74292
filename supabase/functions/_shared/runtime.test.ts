// The wiring every index.ts shares, with Deno.env and EdgeRuntime stood in
// for: configuration is parsed at start and fails naming what is missing,
// and the deps are the real clock, timers and EdgeRuntime.waitUntil.
import { afterEach, expect, test } from "vitest";
import { z } from "zod";
import { secretKeys } from "../../../scripts/lib/keys.mjs";
import { PlatformEnv } from "./env.ts";
import { edgeRuntime } from "./runtime.ts";

const globals = globalThis as unknown as Record<string, unknown>;
const platform = (env: Record<string, string>) => {
  globals.Deno = { env: { toObject: () => env } };
};
afterEach(() => {
  delete globals.Deno;
  delete globals.EdgeRuntime;
});

const complete = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:9/postgres",
  SUPABASE_SECRET_KEYS: JSON.stringify(secretKeys),
};

test("the function's own settings are parsed beside the platform's, with their defaults", () => {
  platform({ ...complete, EXTRA: "7" });
  const { env, deps } = edgeRuntime("probe", PlatformEnv.extend({ EXTRA: z.coerce.number(), OTHER: z.string().default("x") }));
  expect(env).toEqual({ SUPABASE_URL: complete.SUPABASE_URL, SUPABASE_DB_URL: complete.SUPABASE_DB_URL, EXTRA: 7, OTHER: "x" });
  expect(deps.auth.secretKeys).toEqual(secretKeys);
  expect(deps.now()).toBeInstanceOf(Date);
  expect(typeof deps.db).toBe("function");
});

test("missing configuration fails at start, naming it", () => {
  platform({ SUPABASE_URL: complete.SUPABASE_URL, SUPABASE_SECRET_KEYS: complete.SUPABASE_SECRET_KEYS });
  expect(() => edgeRuntime("probe", PlatformEnv)).toThrow(/invalid function configuration: SUPABASE_DB_URL/);
  platform({ SUPABASE_URL: complete.SUPABASE_URL, SUPABASE_DB_URL: complete.SUPABASE_DB_URL });
  expect(() => edgeRuntime("probe", PlatformEnv)).toThrow(/SUPABASE_SECRET_KEYS.*SUPABASE_SERVICE_ROLE_KEY/);
});

test("waitUntil hands the work to the Edge Runtime", async () => {
  platform(complete);
  const handed: Promise<unknown>[] = [];
  globals.EdgeRuntime = { waitUntil: (p: Promise<unknown>) => void handed.push(p) };
  const { deps } = edgeRuntime("probe", PlatformEnv);
  const work = Promise.resolve("done");
  deps.waitUntil(work);
  expect(handed).toEqual([work]);
  await expect(deps.sleep(0)).resolves.toBeUndefined();
});
