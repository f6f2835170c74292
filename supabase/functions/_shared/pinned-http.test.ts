// Requests pinned to the address the SSRF guard checked, against real
// loopback servers: the name is never resolved again (DNS rebinding), the
// URL's host still goes out as Host and as the TLS name the certificate is
// verified against, and the HTTP/1.1 framing the http action relies on. Under
// Node here (tests/helpers/node-connect.ts), and once under real Deno with
// the Edge Runtime's connector (deno-connect.ts).
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { nodeConnect } from "../../../tests/helpers/node-connect.ts";
import { type Connect, pinnedRequest } from "./pinned-http.ts";
import { guardedFetch } from "./ssrf.ts";

const fixtures = path.resolve(import.meta.dirname, "../../../tests/helpers/fixtures");
const ca = fs.readFileSync(path.join(fixtures, "test-ca.crt"), "utf8");
const seen: { host?: string; url?: string; method?: string; body: string }[] = [];
const servers: { close(): void }[] = [];
let plainPort = 0;
let tlsPort = 0;
let rawPort = 0;
const rawAnswers = new Map<string, string | Buffer>();

function handle(req: http.IncomingMessage, res: http.ServerResponse) {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    seen.push({ host: req.headers.host, url: req.url, method: req.method, body });
    if (req.url === "/gzip") return void res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync("unzipped ".repeat(1000)));
    if (req.url === "/chunked") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("one,");
      setTimeout(() => res.end("two"), 20);
      return;
    }
    if (req.url === "/empty") return void res.writeHead(204).end();
    if (req.url === "/hang") return void res.writeHead(200, { "content-length": "100" }).write("part");
    res.writeHead(200, { "content-type": "text/plain", "x-seen-host": String(req.headers.host) }).end(`hello ${req.method} ${req.url}`);
  });
}

const listen = async (server: net.Server) => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push({ close: () => server.close() });
  return (server.address() as net.AddressInfo).port;
};

beforeAll(async () => {
  const plain = http.createServer(handle);
  plainPort = await listen(plain);
  const secure = https.createServer({
    cert: fs.readFileSync(path.join(fixtures, "pinned.test.crt")), key: fs.readFileSync(path.join(fixtures, "pinned.test.key")),
  }, handle);
  tlsPort = await listen(secure);
  // answers written byte for byte, for framing node:http would not send
  const raw = net.createServer((socket) => {
    let head = "";
    socket.on("data", (c) => {
      head += c;
      const path = /^[A-Z]+ (\S+)/.exec(head)?.[1];
      if (!head.includes("\r\n\r\n") || !path) return;
      const answer = rawAnswers.get(path);
      if (answer !== undefined) socket.end(answer);
    });
    socket.on("error", () => {});
  });
  rawPort = await listen(raw);
  rawAnswers.set("/close-delimited", "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end");
  rawAnswers.set("/continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok");
  rawAnswers.set("/chunked-ext", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;name=x\r\nabc\r\n0\r\ntrailer: y\r\n\r\n");
  rawAnswers.set("/short", "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
  rawAnswers.set("/folded", "HTTP/1.1 200 OK\r\nx-a: one\r\n two\r\ncontent-length: 0\r\n\r\n");
  rawAnswers.set("/not-http", "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  rawAnswers.set("/huge-head", `HTTP/1.1 200 OK\r\nx-a: ${"a".repeat(70_000)}\r\n\r\n`);
});

afterAll(() => {
  for (const s of servers) s.close();
});

describe("the guard connects to the address it checked", () => {
  test("a name whose DNS answer changes after the check (rebinding) is connected to at the checked address, resolved once", async () => {
    let lookups = 0;
    // public at the check, loopback for anyone who asks again
    const rebinding = async () => (++lookups === 1 ? ["93.184.215.14"] : ["127.0.0.1"]);
    const targets: string[] = [];
    // the test cannot reach a public address: it records where the guard
    // connects and carries the bytes to the loopback server instead
    const recording: Connect = (target) => {
      targets.push(`${target.address}:${target.port}`);
      return nodeConnect()({ ...target, address: "127.0.0.1", port: plainPort });
    };
    const { response } = await guardedFetch("http://rebind.test/path?q=1", { method: "GET" }, {
      maxRedirects: 0, allow: new Set(), resolve: rebinding, connect: recording,
    });
    expect(await response.text()).toBe("hello GET /path?q=1");
    expect(targets).toEqual(["93.184.215.14:80"]);
    expect(lookups).toBe(1);
    expect(response.headers.get("x-seen-host")).toBe("rebind.test");
  });

  test("nothing resolves the name but the guard's resolver: a name the system cannot resolve is reached at the address it was given", async () => {
    const { response } = await guardedFetch(`http://only-in-the-guard.test:${plainPort}/hi`, { method: "POST", body: "payload" }, {
      maxRedirects: 0, allow: new Set(["only-in-the-guard.test"]), resolve: async () => ["127.0.0.1"], connect: nodeConnect(),
    });
    expect(response.status).toBe(200);
    expect(seen.at(-1)).toEqual({ host: `only-in-the-guard.test:${plainPort}`, url: "/hi", method: "POST", body: "payload" });
  });

  test("each redirect hop is checked and pinned on its own", async () => {
    const answers: Record<string, string[]> = { "first.test": ["127.0.0.1"], "second.test": ["10.0.0.7"] };
    const location = `http://second.test:${rawPort}/x`;
    rawAnswers.set("/hop", `HTTP/1.1 302 Found\r\nlocation: ${location}\r\ncontent-length: 0\r\n\r\n`);
    await expect(guardedFetch(`http://first.test:${rawPort}/hop`, {}, {
      maxRedirects: 2, allow: new Set(["first.test"]), resolve: async (h) => answers[h] ?? [], connect: nodeConnect(),
    })).rejects.toThrow(`refused ${location}: second.test resolves to 10.0.0.7, a private address`);
  });

  test("the next address is tried when one refuses the connection; none is a name", async () => {
    const closed = await listen(net.createServer());
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 50));
    const res = await pinnedRequest(nodeConnect(), new URL(`http://two.test:${plainPort}/`), ["127.0.0.2", "127.0.0.1"]);
    expect(res.status).toBe(200);
    await expect(pinnedRequest(nodeConnect(), new URL(`http://two.test:${closed}/`), ["127.0.0.1"])).rejects.toThrow(/could not connect to two\.test:\d+ \(127\.0\.0\.1: /);
  });
});

test("an address that never answers gives way to the next after 5 s", async () => {
  const silent: Connect = (target) => target.address === "192.0.2.1" ? new Promise(() => {}) : nodeConnect()(target);
  const t0 = Date.now();
  const res = await pinnedRequest(silent, new URL(`http://slow.test:${plainPort}/`), ["192.0.2.1", "127.0.0.1"]);
  expect(res.status).toBe(200);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(4_900);
  await res.text();
}, 15_000);

describe("https: the URL's host is the TLS name", () => {
  test("a certificate for the URL's host verifies over the pinned address", async () => {
    const res = await pinnedRequest(nodeConnect({ ca: [ca] }), new URL(`https://pinned.test:${tlsPort}/secure`), ["127.0.0.1"]);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello GET /secure");
    expect(res.headers.get("x-seen-host")).toBe(`pinned.test:${tlsPort}`);
  });

  test("a certificate for another name is refused, as is one nobody trusts", async () => {
    await expect(pinnedRequest(nodeConnect({ ca: [ca] }), new URL(`https://elsewhere.test:${tlsPort}/`), ["127.0.0.1"])).rejects.toThrow(/elsewhere\.test/);
    await expect(pinnedRequest(nodeConnect(), new URL(`https://pinned.test:${tlsPort}/`), ["127.0.0.1"])).rejects.toThrow(/certificate/);
  });
});

describe("HTTP/1.1 framing", () => {
  const get = (p: string, init = {}, port = rawPort) => pinnedRequest(nodeConnect(), new URL(`http://framing.test:${port}${p}`), ["127.0.0.1"], init);

  test("content-length, chunked (with extensions and trailers), close-delimited, gzip, 204 and HEAD bodies", async () => {
    expect(await (await get("/x", {}, plainPort)).text()).toBe("hello GET /x");
    expect(await (await get("/chunked", {}, plainPort)).text()).toBe("one,two");
    expect(await (await get("/chunked-ext")).text()).toBe("abc");
    expect(await (await get("/close-delimited")).text()).toBe("until the end");
    const zipped = await get("/gzip", {}, plainPort);
    expect(await zipped.text()).toBe("unzipped ".repeat(1000));
    expect(zipped.headers.get("content-length")).toBeNull();
    const empty = await get("/empty", {}, plainPort);
    expect([empty.status, empty.body]).toEqual([204, null]);
    const head = await get("/x", { method: "HEAD" }, plainPort);
    expect([head.status, await head.text()]).toEqual([200, ""]);
  });

  test("informational answers are skipped", async () => {
    const res = await get("/continue");
    expect([res.status, await res.text()]).toEqual([201, "ok"]);
  });

  test("a body cut short, a folded header, a non-HTTP answer and an endless header fail the request", async () => {
    await expect((await get("/short")).text()).rejects.toThrow(/7 bytes before the end of the body/);
    await expect(get("/folded")).rejects.toThrow(/obs-fold/);
    await expect(get("/not-http")).rejects.toThrow(/not an HTTP\/1\.1 response/);
    await expect(get("/huge-head")).rejects.toThrow(/longer than 65536 bytes/);
  });

  test("a header value with CR or LF is refused before anything is sent; the task's Host and framing headers are the client's", async () => {
    const before = seen.length;
    await expect(get("/x", { headers: { "x-bad": "a\r\nx-injected: 1" } }, plainPort)).rejects.toThrow(TypeError);
    expect(seen.length).toBe(before);
    const res = await get("/x", { method: "POST", body: "abc", headers: { host: "evil.test", "content-length": "1", "x-ok": "yes" } }, plainPort);
    expect(res.headers.get("x-seen-host")).toBe(`framing.test:${plainPort}`);
    expect(seen.at(-1)?.body).toBe("abc");
  });

  test("an abort while the body streams ends the request with the signal's reason", async () => {
    const controller = new AbortController();
    const res = await get("/hang", { signal: controller.signal }, plainPort);
    const reading = res.text();
    setTimeout(() => controller.abort(new Error("timed out")), 50);
    await expect(reading).rejects.toThrow();
    expect(controller.signal.aborted).toBe(true);
    await expect(get("/x", { signal: AbortSignal.abort(new Error("already")) }, plainPort)).rejects.toThrow("already");
  });
});

describe("under Deno, with the Edge Runtime's connector", () => {
  const deno = path.resolve(import.meta.dirname, "../../../node_modules/.bin/deno");
  const script = path.resolve(import.meta.dirname, "../../../tests/helpers/deno-pinned-request.ts");
  const run = async (args: Record<string, unknown>) => {
    const { stdout } = await promisify(execFile)(deno, ["run", "--quiet", "--allow-net", "--allow-read", script, JSON.stringify(args)], {
      cwd: path.resolve(import.meta.dirname, "../../.."), timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split("\n").at(-1)!);
  };

  test("http and https go to the given address, with the URL's host as Host and TLS name", async () => {
    const plain = await run({ url: `http://deno-only.test:${plainPort}/p`, addresses: ["127.0.0.1"], method: "POST", body: "from deno" });
    expect(plain).toMatchObject({ status: 200, body: "hello POST /p", headers: { "x-seen-host": `deno-only.test:${plainPort}` } });
    expect(seen.at(-1)?.body).toBe("from deno");
    const secure = await run({ url: `https://pinned.test:${tlsPort}/s`, addresses: ["127.0.0.1"], caCertFile: path.join(fixtures, "test-ca.crt") });
    expect(secure).toMatchObject({ status: 200, body: "hello GET /s", headers: { "x-seen-host": `pinned.test:${tlsPort}` } });
    const zipped = await run({ url: `http://deno-only.test:${plainPort}/gzip`, addresses: ["127.0.0.1"] });
    expect(zipped.body).toBe("unzipped ".repeat(1000));
    const wrongName = await run({ url: `https://elsewhere.test:${tlsPort}/`, addresses: ["127.0.0.1"], caCertFile: path.join(fixtures, "test-ca.crt") });
    expect(wrongName.error).toMatch(/certificate|NotValidForName|elsewhere/i);
  }, 90_000);
});
