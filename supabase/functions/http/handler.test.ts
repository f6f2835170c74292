// The http action against real loopback servers.
import { createHmac } from "node:crypto";
import { lookup } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { anonKey, jwtSecret, publishableKey, secretKey, secretKeys, serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import { loopbackServer } from "../../../tests/helpers/loopback.ts";
import { runOf } from "../_shared/fixtures.test-helpers.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { parseAllowList } from "../_shared/ssrf.ts";
import { createHandler, executeHttpRun, type HttpDeps } from "./handler.ts";

let receiver: Awaited<ReturnType<typeof loopbackServer>>;
const slept: number[] = [];

function deps(overrides: Partial<HttpDeps> = {}): HttpDeps {
  return {
    fetch,
    now: () => new Date(),
    sleep: async (ms) => { slept.push(ms); },
    resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    logger: memoryLogger(),
    auth: { secretKeys, serviceRoleKey, jwtSecret },
    allowHosts: parseAllowList("127.0.0.1"),
    ...overrides,
  };
}

beforeAll(async () => {
  receiver = await loopbackServer(async (req, res) => {
    const path = req.url.split("?")[0];
    if (path === "/ok") return void res.writeHead(200, { "content-type": "application/json", "x-answer": "42" }).end('{"ok":true}');
    if (path === "/fail") return void res.writeHead(500).end("boom");
    if (path === "/busy") return void res.writeHead(429).end("slow down");
    if (path === "/missing") return void res.writeHead(404).end("no");
    if (path === "/loop") return void res.writeHead(302, { location: "/loop" }).end();
    if (path === "/to-private") return void res.writeHead(302, { location: "http://10.1.2.3/admin" }).end();
    if (path === "/to-ok") return void res.writeHead(303, { location: "/ok" }).end();
    if (path === "/huge") {
      res.writeHead(200, { "content-type": "text/plain" });
      for (let i = 0; i < 64; i++) res.write("x".repeat(16_384));
      return void res.end();
    }
    if (path === "/hang") return; // never answers
    res.writeHead(418).end();
  });
});
afterAll(() => receiver.close());

describe("delivery", () => {
  test("a 2xx completes the run and stores status, headers and body; the request is signed (Standard Webhooks)", async () => {
    const run = runOf({ url: `${receiver.url}/ok`, method: "POST", body: { task: "{{task.name}}", run: "{{run.id}}", n: 1 } });
    const result = await executeHttpRun(run, deps());
    expect(result).toMatchObject({ status: "completed", retryable: false, output: { status: 200, body: '{"ok":true}', body_truncated: false } });
    expect((result.output as { headers: Record<string, string> }).headers["x-answer"]).toBe("42");
    const req = receiver.received.find((r) => r.headers["webhook-id"] === run.run_id)!;
    expect(JSON.parse(req.body)).toEqual({ task: "Nightly report", run: run.run_id, n: 1 });
    const key = Buffer.from(run.task.signing_secret!.slice(6), "base64");
    const expected = createHmac("sha256", key).update(`${run.run_id}.${req.headers["webhook-timestamp"]}.${req.body}`).digest("base64");
    expect(req.headers["webhook-signature"]).toBe(`v1,${expected}`);
    expect(req.headers["content-type"]).toBe("application/json");
  });

  test("5xx and 429 are retryable failures; other 4xx fail for good", async () => {
    expect(await executeHttpRun(runOf({ url: `${receiver.url}/fail` }), deps())).toMatchObject({ status: "failed", retryable: true, output: { status: 500, body: "boom" } });
    expect(await executeHttpRun(runOf({ url: `${receiver.url}/busy` }), deps())).toMatchObject({ status: "failed", retryable: true });
    expect(await executeHttpRun(runOf({ url: `${receiver.url}/missing` }), deps())).toMatchObject({ status: "failed", retryable: false });
  });

  test("redirects are followed up to max_redirects, and a loop fails clearly", async () => {
    expect(await executeHttpRun(runOf({ url: `${receiver.url}/to-ok`, method: "POST", body: "x" }), deps())).toMatchObject({ status: "completed", output: { redirects: 1 } });
    const looped = await executeHttpRun(runOf({ url: `${receiver.url}/loop`, max_redirects: 2 }), deps());
    expect(looped).toMatchObject({ status: "failed", retryable: false });
    expect(looped.error_message).toMatch(/too many redirects: more than 2/);
  });

  test("a redirect to a private address is refused", async () => {
    const result = await executeHttpRun(runOf({ url: `${receiver.url}/to-private` }), deps());
    expect(result).toMatchObject({ status: "failed", retryable: false });
    expect(result.error_message).toMatch(/10\.1\.2\.3, a private address/);
  });

  test("an oversized response is cut at max_response_bytes", async () => {
    const result = await executeHttpRun(runOf({ url: `${receiver.url}/huge`, method: "GET", max_response_bytes: 1000 }), deps());
    expect(result).toMatchObject({ status: "completed", output: { body_truncated: true, body_bytes_kept: 1000 } });
    expect((result.output as { body: string }).body).toHaveLength(1000);
  });

  test("a call past timeout_seconds fails as retryable", async () => {
    const result = await executeHttpRun(runOf({ url: `${receiver.url}/hang` }, { timeout_seconds: 1 }), deps());
    expect(result).toMatchObject({ status: "failed", retryable: true, error_message: "timed out after 1 s (timeout_seconds)" });
  });

  test("a run waits for its due second (start_at) before calling", async () => {
    const now = new Date("2026-11-24T10:00:00.000Z");
    slept.length = 0;
    await executeHttpRun(runOf({ url: `${receiver.url}/ok` }, { start_at: "2026-11-24T10:00:42.500Z" }), deps({ now: () => now }));
    expect(slept).toEqual([42_500]);
  });

  test("a template naming a missing field fails without calling", async () => {
    const before = receiver.received.length;
    const result = await executeHttpRun(runOf({ url: `${receiver.url}/ok`, body: "{{task.nope}}" }), deps());
    expect(result).toMatchObject({ status: "failed", retryable: false });
    expect(result.error_message).toMatch(/\{\{task\.nope\}\}/);
    expect(receiver.received.length).toBe(before);
  });
});

describe("SSRF guard", () => {
  const guarded = deps({ allowHosts: new Set() });
  for (const url of ["http://127.0.0.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
    "http://10.0.0.5/", "http://192.168.1.1/", "http://100.64.0.1/", "http://[fd00::1]/", "http://[fe80::1]/", "http://224.0.0.1/",
    "http://metadata.google.internal/", "http://0.0.0.0/"]) {
    test(`refuses ${url}`, async () => {
      const result = await executeHttpRun(runOf({ url }), guarded);
      expect(result).toMatchObject({ status: "failed", retryable: false });
      expect(result.error_message).toMatch(/^refused/);
    });
  }

  test("refuses a hostname that resolves to loopback", async () => {
    const result = await executeHttpRun(runOf({ url: "http://localhost:9/" }), guarded);
    expect(result.error_message).toMatch(/resolves to (127\.0\.0\.1|::1), a loopback address/);
  });

  test("the allow-list opens a chosen host:port", async () => {
    const result = await executeHttpRun(runOf({ url: `${receiver.url}/ok` }), deps({ allowHosts: parseAllowList(`127.0.0.1:${receiver.port}`) }));
    expect(result.status).toBe("completed");
  });
});

describe("the handler", () => {
  const handler = createHandler(deps());
  const post = (body: unknown, token = serviceRoleKey, method = "POST") =>
    handler(new Request("http://fn/http", { method, headers: { authorization: `Bearer ${token}` }, body: method === "POST" ? JSON.stringify(body) : undefined }));

  test("answers a batch with one result per run", async () => {
    const res = await post({ runs: [runOf({ url: `${receiver.url}/ok` }), runOf({ url: `${receiver.url}/fail` })] });
    expect(res.status).toBe(200);
    const { results } = await res.json();
    expect(results.map((r: { status: string }) => r.status)).toEqual(["completed", "failed"]);
  });

  test("the anon key is refused even though it is a valid JWT", async () => {
    const res = await post({ runs: [runOf({ url: `${receiver.url}/ok` })] }, anonKey);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  test("a secret key in apikey is accepted; a publishable key is refused", async () => {
    const withKey = (apikey: string) => handler(new Request("http://fn/http", {
      method: "POST", headers: { apikey }, body: JSON.stringify({ runs: [runOf({ url: `${receiver.url}/ok` })] }),
    }));
    const accepted = await withKey(secretKey);
    expect(accepted.status).toBe(200);
    expect((await accepted.json()).results).toHaveLength(1);
    const refused = await withKey(publishableKey);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.message).toMatch(/publishable key .* expected one of the project's secret keys/);
  });

  test("a malformed request is 400 with the zod issues", async () => {
    const res = await post({ runs: [{ run_id: "nope" }] });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe("invalid_request");
    expect(Array.isArray(body.error.details)).toBe(true);
  });

  test("GET is 405", async () => {
    expect((await post(null, serviceRoleKey, "GET")).status).toBe(405);
  });
});
