// The http action against real loopback servers: the executor run by run,
// and through the runner with runs claimed from the real database (the
// idempotency key as webhook-id, across a retry).
import { createHmac } from "node:crypto";
import { lookup } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { anonKey, jwtSecret, publishableKey, secretKey, secretKeys, serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import type { RunToExecute } from "../../../shared/contract.ts";
import { loopbackServer } from "../../../tests/helpers/loopback.ts";
import { connect, stack } from "../../../tests/helpers/stack.ts";
import type { BatchSummary } from "../_shared/action-runner.ts";
import { claimRuns, createTask, createUser } from "../_shared/claims.test-helpers.ts";
import { postgresDb } from "../_shared/db.ts";
import { runOf, validRun } from "../_shared/fixtures.test-helpers.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { parseAllowList } from "../_shared/ssrf.ts";
import { createHandler, executeHttpRun, type HttpDeps } from "./handler.ts";
import { nodeConnect } from "../../../tests/helpers/node-connect.ts";

const sql = connect();
const owners: string[] = [];
let receiver: Awaited<ReturnType<typeof loopbackServer>>;
const waited: Promise<unknown>[] = [];
const http = (payload: unknown, overrides: Partial<RunToExecute> = {}) => validRun("http", runOf(payload, overrides));

function deps(overrides: Partial<HttpDeps> = {}): HttpDeps {
  return {
    db: postgresDb(stack.dbUrl),
    fetch,
    now: () => new Date(),
    sleep: async () => {},
    waitUntil: (p) => void waited.push(p),
    resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    logger: memoryLogger(),
    auth: { secretKeys, serviceRoleKey, jwtSecret },
    connect: nodeConnect(),
    allowHosts: parseAllowList("127.0.0.1"),
    ...overrides,
  };
}

beforeAll(async () => {
  receiver = await loopbackServer(async (req, res) => {
    const path = req.url.split("?")[0];
    if (path === "/ok") return void res.writeHead(200, { "content-type": "application/json", "x-answer": "42" }).end('{"ok":true}');
    if (path === "/fail") return void res.writeHead(500).end("boom");
    // fails its first call of each ?key, then succeeds
    if (path === "/flaky") return void res.writeHead(receiver.received.filter((r) => r.url === req.url).length === 1 ? 503 : 200).end("flaky");
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
afterAll(async () => {
  await Promise.allSettled(waited);
  await sql`delete from auth.users where id = any(${owners})`;
  await sql.end();
  await receiver.close();
});

describe("delivery", () => {
  test("a 2xx completes the run and stores status, headers and body; the request is signed (Standard Webhooks)", async () => {
    const run = http({ url: `${receiver.url}/ok`, method: "POST", body: { task: "{{task.name}}", run: "{{run.id}}", n: 1 } });
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
    expect(await executeHttpRun(http({ url: `${receiver.url}/fail` }), deps())).toMatchObject({ status: "failed", retryable: true, output: { status: 500, body: "boom" } });
    expect(await executeHttpRun(http({ url: `${receiver.url}/busy` }), deps())).toMatchObject({ status: "failed", retryable: true });
    expect(await executeHttpRun(http({ url: `${receiver.url}/missing` }), deps())).toMatchObject({ status: "failed", retryable: false });
  });

  test("redirects are followed up to max_redirects, and a loop fails clearly", async () => {
    expect(await executeHttpRun(http({ url: `${receiver.url}/to-ok`, method: "POST", body: "x" }), deps())).toMatchObject({ status: "completed", output: { redirects: 1 } });
    const looped = await executeHttpRun(http({ url: `${receiver.url}/loop`, max_redirects: 2 }), deps());
    expect(looped).toMatchObject({ status: "failed", retryable: false });
    expect(looped.error_message).toMatch(/too many redirects: more than 2/);
  });

  test("a redirect to a private address is refused", async () => {
    const result = await executeHttpRun(http({ url: `${receiver.url}/to-private` }), deps());
    expect(result).toMatchObject({ status: "failed", retryable: false });
    expect(result.error_message).toMatch(/10\.1\.2\.3, a private address/);
  });

  test("an oversized response is cut at max_response_bytes", async () => {
    const result = await executeHttpRun(http({ url: `${receiver.url}/huge`, method: "GET", max_response_bytes: 1000 }), deps());
    expect(result).toMatchObject({ status: "completed", output: { body_truncated: true, body_bytes_kept: 1000 } });
    expect((result.output as { body: string }).body).toHaveLength(1000);
  });

  test("a call past timeout_seconds fails as retryable", async () => {
    const result = await executeHttpRun(http({ url: `${receiver.url}/hang` }, { timeout_seconds: 1 }), deps());
    expect(result).toMatchObject({ status: "failed", retryable: true, error_message: "timed out after 1 s (timeout_seconds)" });
  });

  test("a template naming a missing field fails without calling", async () => {
    const before = receiver.received.length;
    const result = await executeHttpRun(http({ url: `${receiver.url}/ok`, body: "{{task.nope}}" }), deps());
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
      const result = await executeHttpRun(http({ url }), guarded);
      expect(result).toMatchObject({ status: "failed", retryable: false });
      expect(result.error_message).toMatch(/^refused/);
    });
  }

  test("refuses a hostname that resolves to loopback", async () => {
    const result = await executeHttpRun(http({ url: "http://localhost:9/" }), guarded);
    expect(result.error_message).toMatch(/resolves to (127\.0\.0\.1|::1), a loopback address/);
  });

  test("the allow-list opens a chosen host:port", async () => {
    const result = await executeHttpRun(http({ url: `${receiver.url}/ok` }), deps({ allowHosts: parseAllowList(`127.0.0.1:${receiver.port}`) }));
    expect(result.status).toBe("completed");
  });
});

describe("the handler", () => {
  const handler = createHandler(deps());
  const post = (body: unknown, token = serviceRoleKey, method = "POST") =>
    handler(new Request("http://fn/http", { method, headers: { authorization: `Bearer ${token}` }, body: method === "POST" ? JSON.stringify(body) : undefined }));

  test("answers 202 with what it took on, then records one result per run", async () => {
    const now = new Date("2042-01-01T00:00:00.000Z");
    const owner = await createUser(sql, "http-handler");
    owners.push(owner);
    const ok = await createTask(sql, { owner, action_payload: { url: `${receiver.url}/ok`, method: "GET" }, run_at: now });
    const fail = await createTask(sql, { owner, action_payload: { url: `${receiver.url}/fail`, method: "GET" }, run_at: now });
    const worker = `http-test:${crypto.randomUUID()}`;
    const runs = await claimRuns(sql, { now, worker, taskIds: [ok, fail] });
    const withClock = createHandler(deps({ now: () => now }));
    const res = await withClock(new Request("http://fn/http", {
      method: "POST", headers: { authorization: `Bearer ${serviceRoleKey}` }, body: JSON.stringify({ worker, runs }),
    }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, rejected: 0 });
    await waited.at(-1);
    const rows = await sql`select task_id, status from scheduler.task_runs where task_id = any(${[ok, fail]})`;
    expect(Object.fromEntries(rows.map((r) => [r.task_id, r.status]))).toEqual({ [ok]: "completed", [fail]: "failed" });
  });

  test("the anon key is refused even though it is a valid JWT", async () => {
    const res = await post({ worker: "w", runs: [runOf({ url: `${receiver.url}/ok` })] }, anonKey);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  test("a secret key in apikey is accepted; a publishable key is refused", async () => {
    const withKey = (apikey: string) => handler(new Request("http://fn/http", {
      method: "POST", headers: { apikey }, body: JSON.stringify({ worker: "w", runs: [{ run_id: "nope" }] }),
    }));
    const accepted = await withKey(secretKey);
    expect(accepted.status).toBe(202);
    await waited.at(-1);
    const refused = await withKey(publishableKey);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.message).toMatch(/publishable key .* expected one of the project's secret keys/);
  });

  test("a malformed request is 400 with the zod issues; a malformed run in a well-formed request is rejected alone", async () => {
    const res = await post({ runs: [{ run_id: "nope" }] });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe("invalid_request");
    expect(Array.isArray(body.error.details)).toBe(true);
    const one = await post({ worker: "w", runs: [{ run_id: "nope" }] });
    expect(one.status).toBe(202);
    expect(await one.json()).toEqual({ accepted: 0, rejected: 1 });
    await waited.at(-1);
  });

  test("GET is 405", async () => {
    expect((await post(null, serviceRoleKey, "GET")).status).toBe(405);
  });
});

describe("idempotency", () => {
  test("webhook-id is the run's idempotency key, the same when a failed delivery is retried", async () => {
    const t0 = new Date("2042-01-01T01:00:00.000Z");
    const owner = await createUser(sql, "http-idempotency");
    owners.push(owner);
    const key = crypto.randomUUID();
    const taskId = await createTask(sql, {
      owner, action_payload: { url: `${receiver.url}/flaky?${key}`, method: "POST", body: { n: 1 } }, run_at: t0, max_attempts: 2, retry_backoff_seconds: 1,
    });
    const deliver = async (now: Date) => {
      const worker = `http-test:${crypto.randomUUID()}`;
      const runs = await claimRuns(sql, { now, worker, taskIds: [taskId] });
      expect(runs).toHaveLength(1);
      const res = await createHandler(deps({ now: () => now }))(new Request("http://fn/http", {
        method: "POST", headers: { authorization: `Bearer ${serviceRoleKey}` }, body: JSON.stringify({ worker, runs }),
      }));
      expect(res.status).toBe(202);
      await (waited.at(-1) as Promise<BatchSummary>);
      return runs[0];
    };
    const first = await deliver(t0);
    // the retry is queued a backoff later; claim it well after that
    const second = await deliver(new Date(t0.getTime() + 60_000));
    expect(second.run_id).not.toBe(first.run_id);
    expect(second.attempt).toBe(2);
    expect(first.idempotency_key).toBeTruthy();
    expect(second.idempotency_key).toBe(first.idempotency_key);

    const sent = receiver.received.filter((r) => r.url === `/flaky?${key}`);
    expect(sent).toHaveLength(2);
    expect(sent.map((r) => r.headers["webhook-id"])).toEqual([first.idempotency_key, first.idempotency_key]);
    // the signature covers that id, so a receiver verifying it dedupes on what it verified
    const secret = Buffer.from(first.task.signing_secret!.slice(6), "base64");
    for (const r of sent) {
      const expected = createHmac("sha256", secret).update(`${first.idempotency_key}.${r.headers["webhook-timestamp"]}.${r.body}`).digest("base64");
      expect(r.headers["webhook-signature"]).toBe(`v1,${expected}`);
    }
    const rows = await sql`select attempt, status from scheduler.task_runs where task_id = ${taskId} order by attempt`;
    expect(rows).toEqual([{ attempt: 1, status: "failed" }, { attempt: 2, status: "completed" }]);
  });

  test("without a key (an older dispatcher), webhook-id falls back to the run id", async () => {
    const run = http({ url: `${receiver.url}/ok?no-key` });
    expect(run.idempotency_key).toBeUndefined();
    await executeHttpRun(run, deps());
    expect(receiver.received.find((r) => r.url === "/ok?no-key")!.headers["webhook-id"]).toBe(run.run_id);
  });

  test("a key given is what is sent, signed", async () => {
    const run = http({ url: `${receiver.url}/ok?keyed` }, { idempotency_key: "first-attempt-id" });
    await executeHttpRun(run, deps());
    const req = receiver.received.find((r) => r.url === "/ok?keyed")!;
    expect(req.headers["webhook-id"]).toBe("first-attempt-id");
    const secret = Buffer.from(run.task.signing_secret!.slice(6), "base64");
    expect(req.headers["webhook-signature"]).toBe(`v1,${createHmac("sha256", secret).update(`first-attempt-id.${req.headers["webhook-timestamp"]}.${req.body}`).digest("base64")}`);
  });
});
