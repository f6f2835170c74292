// The functions gateway checks JWTs like Supabase's relay, routes to a real
// Deno process per function, hands over the Edge Runtime environment (both
// kinds of API key), writes each function's logs as JSON lines, and holds its
// workers to the hosted per-worker limits (wall clock, request idle timeout).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGateway } from "../../scripts/gateway/gateway.mjs";
import { signJwt } from "../../scripts/lib/jwt.mjs";
import { anonKey, jwtSecret, publishableKey, publishableKeys, secretKey, secretKeys, serviceRoleKey } from "../../scripts/lib/keys.mjs";
import { waitFor } from "../helpers/stack.ts";

const fixtures = path.join(import.meta.dirname, "fixtures");
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "gateway-test-"));
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    functionsDir: path.join(fixtures, "functions"),
    configToml: path.join(fixtures, "config.toml"),
    envFile: path.join(fixtures, "functions.env"),
    jwtSecret,
    env: {
      SUPABASE_URL: "http://127.0.0.1:1",
      SUPABASE_ANON_KEY: anonKey,
      SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
      SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:1/postgres",
    },
    apiKeys: { secret: secretKeys, publishable: publishableKeys },
    logDir,
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  fs.rmSync(logDir, { recursive: true, force: true });
});

const call = (name: string, token?: string, init: RequestInit = {}) =>
  fetch(`${gateway.url}/functions/v1/${name}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
  });

describe("JWT verification", () => {
  test("no Authorization header is 401", async () => {
    const res = await call("whoami");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ msg: "Missing authorization header" });
  });

  test("a token signed with another secret is 401", async () => {
    const forged = await signJwt({ role: "service_role", exp: 1983812996 }, "not-the-project-secret-but-long-enough");
    const res = await call("whoami", forged);
    expect(res.status).toBe(401);
    expect((await res.json()).msg).toMatch(/signature/);
  });

  test("an expired token is 401", async () => {
    const expired = await signJwt({ role: "service_role", exp: Math.floor(Date.now() / 1000) - 10 }, jwtSecret);
    const res = await call("whoami", expired);
    expect(res.status).toBe(401);
    expect((await res.json()).msg).toMatch(/expired/);
  });

  test("a garbage token is 401", async () => {
    expect((await call("whoami", "not-a-jwt")).status).toBe(401);
  });

  test("a secret or publishable key is not a JWT: 401 in Authorization, and apikey alone does not count", async () => {
    for (const key of [secretKey, publishableKey]) {
      const res = await call("whoami", key);
      expect(res.status).toBe(401);
      expect((await res.json()).msg).toMatch(/not a JWT; send it in the apikey header to a function with verify_jwt = false/);
    }
    const apikeyOnly = await call("whoami", undefined, { headers: { apikey: secretKey } });
    expect(apikeyOnly.status).toBe(401);
    expect(await apikeyOnly.json()).toEqual({ msg: "Missing authorization header" });
  });

  test("the service key is let through", async () => {
    const res = await call("whoami", serviceRoleKey, { method: "POST", body: "hello" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ path: "/whoami", method: "POST", body: "hello" });
  });

  test("verify_jwt = false lets requests without a JWT through", async () => {
    const res = await call("open");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("open");
  });
});

test("unknown functions are 404", async () => {
  const res = await call("nope", serviceRoleKey);
  expect(res.status).toBe(404);
});

test("functions get the Edge Runtime environment and secrets from .env", async () => {
  const res = await call("whoami", anonKey);
  const { env } = await res.json();
  expect(env).toEqual({
    SUPABASE_URL: "http://127.0.0.1:1",
    SUPABASE_ANON_KEY: anonKey,
    SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
    SUPABASE_SECRET_KEYS: `{"default":"${secretKey}"}`,
    SUPABASE_PUBLISHABLE_KEYS: `{"default":"${publishableKey}"}`,
    SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:1/postgres",
    FIXTURE_SECRET: "from .env",
  });
});

test("EdgeRuntime.waitUntil work completes after the response", async () => {
  const marker = path.join(logDir, "waituntil-marker");
  const later = await call(`whoami?later=${encodeURIComponent(marker)}`, serviceRoleKey);
  expect(later.status).toBe(200);
  expect(fs.existsSync(marker)).toBe(false); // the response did not wait for it
  await waitFor("the waitUntil marker", async () => (fs.existsSync(marker) ? true : undefined), 5_000, 20);
});

test("function logs are JSON lines in one file per function", async () => {
  await (await call("whoami", serviceRoleKey)).text();
  const file = path.join(logDir, "functions", "whoami.log");
  const line = await waitFor("a log line", async () => {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    return text.split("\n").find((l) => l.includes('"handled"'));
  }, 5_000, 20);
  expect(JSON.parse(line)).toMatchObject({ function: "whoami", level: "info", msg: "handled", path: "/whoami" });
});

describe("the project's functions under each key configuration", () => {
  // the real functions and config.toml (verify_jwt = false), with the
  // platform's keys given or withheld the way a project can have them
  const projectGateway = (env: Record<string, string>, apiKeys?: { secret: Record<string, string>; publishable: Record<string, string> }) =>
    startGateway({
      port: 0,
      functionsDir: path.join(import.meta.dirname, "../../supabase/functions"),
      configToml: path.join(import.meta.dirname, "../../supabase/config.toml"),
      jwtSecret,
      env: {
        SUPABASE_URL: "http://127.0.0.1:1",
        SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:1/postgres",
        DISPATCHER_SECRET: "a-dispatcher-secret-for-this-test",
        ...env,
      },
      apiKeys,
      logDir: fs.mkdtempSync(path.join(logDir, "project-")),
    });
  const emptyBatch = (url: string, headers: Record<string, string>) =>
    fetch(`${url}/functions/v1/http`, { method: "POST", headers, body: JSON.stringify({ runs: [] }) });

  test("legacy keys only: the service_role JWT is accepted, a secret key is not", async () => {
    const gw = await projectGateway({ SUPABASE_ANON_KEY: anonKey, SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey, SUPABASE_JWT_SECRET: jwtSecret });
    try {
      // past the caller check, the empty batch is refused by the request schema
      const accepted = await emptyBatch(gw.url, { authorization: `Bearer ${serviceRoleKey}` });
      expect(accepted.status).toBe(400);
      expect((await accepted.json()).error.code).toBe("invalid_request");
      const secret = await emptyBatch(gw.url, { apikey: secretKey });
      expect(secret.status).toBe(401);
      expect((await secret.json()).error.message).toMatch(/unrecognised credentials/);
      expect((await emptyBatch(gw.url, { authorization: `Bearer ${anonKey}` })).status).toBe(401);
    } finally {
      await gw.stop();
    }
  }, 60_000);

  test("neither a secret key nor the legacy key: the functions fail to boot, naming both", async () => {
    const gw = await projectGateway({ SUPABASE_ANON_KEY: anonKey }, { secret: {}, publishable: publishableKeys });
    try {
      const res = await emptyBatch(gw.url, { apikey: secretKey });
      expect(res.status).toBe(503);
      expect((await res.json()).msg).toMatch(/neither SUPABASE_SECRET_KEYS .* nor SUPABASE_SERVICE_ROLE_KEY/);
    } finally {
      await gw.stop();
    }
  }, 60_000);
});

describe("per-worker limits, as the Edge Runtime's supervisor sets them", () => {
  const slow = (gw: { url: string }, query = "") => fetch(`${gw.url}/functions/v1/slow${query}`);
  const workerOf = async (res: Response) => {
    expect(res.status).toBe(200);
    return (await res.json()).worker as string;
  };
  type WorkerInfo = { id: string; state: string; in_flight: number };
  const workers = async (gw: { url: string }): Promise<WorkerInfo[]> => (await (await fetch(`${gw.url}/_local/workers/slow`)).json()).workers;
  const killAll = async (gw: { url: string }) => (await fetch(`${gw.url}/_local/kill/slow`, { method: "POST" })).json();
  const marker = (label: string) => path.join(logDir, `${label}-${Date.now()}`);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  // retires 2 s after it listens, killed at 4 s
  let short: Awaited<ReturnType<typeof startGateway>>;
  // a request gets 1 s to start its response
  let impatient: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    const options = { port: 0, functionsDir: path.join(fixtures, "functions"), configToml: path.join(fixtures, "config.toml"), jwtSecret };
    [short, impatient] = await Promise.all([
      startGateway({ ...options, limits: { wallClockSeconds: 4 }, logDir: fs.mkdtempSync(path.join(logDir, "short-")) }),
      startGateway({ ...options, limits: { requestTimeoutSeconds: 1 }, logDir: fs.mkdtempSync(path.join(logDir, "impatient-")) }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([short?.stop(), impatient?.stop()]);
  });

  test("at half its wall clock a worker retires: new requests go to a fresh worker while it finishes its waitUntil work", async () => {
    await killAll(short);
    const done = marker("retired-finishes");
    // booted by this request; its waitUntil work ends ~1.5 s before the kill
    const first = await workerOf(await slow(short, `?marker=${encodeURIComponent(done)}&after=2500`));
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(await workerOf(await slow(short))).toBe(first);
    await waitFor("the first worker to retire", async () => (await workers(short)).find((w) => w.id === first && w.state === "retired") ?? undefined, 5_000, 50);
    const second = await workerOf(await slow(short));
    expect(second).not.toBe(first);
    expect(await workerOf(await slow(short))).toBe(second);
    expect(fs.existsSync(done)).toBe(false);
    await waitFor("the retired worker's waitUntil work", async () => (fs.existsSync(done) ? true : undefined), 3_000, 20);
    expect((await workers(short)).map((w) => w.id)).toContain(first);
  }, 20_000);

  test("at its full wall clock a worker is killed with its requests and waitUntil work in flight", async () => {
    await killAll(short);
    const first = await workerOf(await slow(short));
    const never = marker("killed-waituntil");
    const started = Date.now();
    // would answer ~5 s and write the marker ~5 s after the worker started: past its kill at 4 s
    const res = await slow(short, `?ms=5000&marker=${encodeURIComponent(never)}&after=5000`);
    expect(res.status).toBe(546);
    expect(await res.json()).toMatchObject({ code: "WORKER_LIMIT" });
    expect(Date.now() - started).toBeLessThan(4_500);
    await waitFor("the killed worker to be gone", async () => ((await workers(short)).some((w) => w.id === first) ? undefined : true), 3_000, 50);
    await sleep(Math.max(0, started + 6_000 - Date.now()));
    expect(fs.existsSync(never)).toBe(false);
    expect(await workerOf(await slow(short))).not.toBe(first);
  }, 20_000);

  test("a request with no response after the request limit gets 504; the worker lives on", async () => {
    const before = await workerOf(await slow(impatient));
    const started = Date.now();
    const res = await slow(impatient, "?ms=3000");
    const elapsed = Date.now() - started;
    expect(res.status).toBe(504);
    expect((await res.json()).msg).toMatch(/request idle timeout: .* within 1 s/);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2_500);
    expect(await workerOf(await slow(impatient, "?ms=500"))).toBe(before);
  }, 20_000);

  test("POST /_local/kill/<name> kills the function's workers at once", async () => {
    const first = await workerOf(await slow(gateway));
    const never = marker("kill-route");
    const started = Date.now();
    const pending = slow(gateway, `?ms=10000&marker=${encodeURIComponent(never)}&after=1500`);
    await waitFor("the request to reach the worker", async () => ((await workers(gateway)).find((w) => w.id === first)?.in_flight === 1 ? true : undefined), 3_000, 20);
    const killed = await (await fetch(`${gateway.url}/_local/kill/slow`, { method: "POST" })).json();
    expect(killed).toEqual({ killed: [first] });
    const res = await pending;
    expect(res.status).toBe(546);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await workerOf(await slow(gateway))).not.toBe(first);
    await sleep(Math.max(0, started + 2_500 - Date.now()));
    expect(fs.existsSync(never)).toBe(false);
    expect((await fetch(`${gateway.url}/_local/kill/slow`)).status).toBe(405);
    expect((await fetch(`${gateway.url}/_local/kill/nope`, { method: "POST" })).status).toBe(404);
  }, 20_000);
});
