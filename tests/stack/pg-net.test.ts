// The pg_net stand-in behaves like pg_net: requests leave only after the
// queuing transaction commits, and status, headers, body, timeouts and
// connection errors are recorded in net._http_response.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect, waitFor } from "../helpers/stack.ts";

const sql = connect();
const received: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let base = "";
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    received.push({ method: req.method, url: req.url, headers: req.headers, body });
    if (req.url?.startsWith("/slow")) return; // never answers: the caller must time out
    res.writeHead(201, { "content-type": "application/json", "x-receiver": "test" });
    res.end(JSON.stringify({ ok: true }));
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await sql.end();
});

const response = (id: bigint | number | string) =>
  waitFor(`net._http_response ${id}`, async () => {
    const [row] = await sql`select * from net._http_response where id = ${String(id)}`;
    return row;
  }, 15_000, 50);

test("http_post is delivered only after commit, and the response is recorded", async () => {
  const marker = `after-commit-${Date.now()}`;
  let id!: string;
  await sql.begin(async (tx) => {
    [{ id }] = await tx`select net.http_post(${`${base}/hook/${marker}`}, ${tx.json({ hello: "world" })}, headers => '{"Content-Type": "application/json", "X-Test": "1"}'::jsonb) as id`;
    // a request queued and committed after ours: once its response is in, the
    // worker has drained the queue past ours and must not have sent it yet
    const [{ id: later }] = await sql`select net.http_get(${`${base}/probe/${marker}`}) as id`;
    await response(later);
    expect(received.some((r) => r.url?.includes(`/hook/${marker}`))).toBe(false);
  });
  const row = await response(id);
  const req = received.find((r) => r.url?.includes(`/hook/${marker}`))!;
  expect(req).toMatchObject({ method: "POST", body: '{"hello": "world"}' });
  expect(req.headers["x-test"]).toBe("1");
  expect(row).toMatchObject({ status_code: 201, content_type: "application/json", timed_out: false, error_msg: null });
  expect(JSON.parse(row.content)).toEqual({ ok: true });
  expect(row.headers["x-receiver"]).toBe("test");
});

test("http_get appends params to the query string", async () => {
  const [{ id }] = await sql`select net.http_get(${`${base}/get`}, params => '{"a": "1", "b": "x y"}'::jsonb) as id`;
  await response(id);
  expect(received.some((r) => r.method === "GET" && r.url === "/get?a=1&b=x%20y")).toBe(true);
});

test("a request past timeout_milliseconds is recorded as timed_out", async () => {
  const [{ id }] = await sql`select net.http_get(${`${base}/slow`}, timeout_milliseconds => 300) as id`;
  const row = await response(id);
  expect(row).toMatchObject({ timed_out: true, status_code: null });
  expect(row.error_msg).toMatch(/Timeout of 300 ms/);
});

test("a refused connection is recorded with an error message", async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const [{ id }] = await sql`select net.http_delete(${`http://127.0.0.1:${port}/gone`}) as id`;
  const row = await response(id);
  expect(row).toMatchObject({ timed_out: false, status_code: null });
  expect(row.error_msg).toMatch(/connect/i);
});

test("http_post refuses a non-JSON content type, as pg_net does", async () => {
  await expect(sql`select net.http_post(${base}, '{}'::jsonb, headers => '{"Content-Type": "text/plain"}'::jsonb)`)
    .rejects.toThrow(/Content-Type header must be "application\/json"/);
});
