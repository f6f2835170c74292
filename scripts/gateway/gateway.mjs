// LOCAL STAND-IN for Supabase's functions relay (what `supabase functions
// serve` runs in Docker): routes /functions/v1/<name> to that function,
// checks the JWT like the relay unless config.toml sets verify_jwt = false,
// gives the function the Edge Runtime's environment, and writes its logs as
// JSON lines, one file per function. Each worker is its own Deno process
// with plain Deno.serve, so the same code deploys unchanged.
//
// verify_jwt = true takes only a JWT (legacy HS256, signed with jwtSecret) in
// Authorization, as `supabase functions serve` does. An sb_secret_/
// sb_publishable_ key there is refused. Hosted Supabase is more lenient: its
// docs (functions/auth-headers) say the check accepts those keys on either
// header "for migration compatibility" and that this does not authenticate
// the caller. Refusing them here keeps code from depending on that.
//
// Workers live as long as the Edge Runtime's per-worker supervisor lets them
// (supabase/edge-runtime, crates/base/src/worker/supervisor/
// strategy_per_worker.rs; Supabase's "Edge Functions limits"):
// - Wall clock, `limits.wallClockSeconds` (env EDGE_WALL_CLOCK_SECONDS,
//   default 150 as on the Free plan; paid plans have 400), counted from when
//   the worker listens. At half of it the worker retires: it takes no new
//   requests (the next one boots a fresh worker) and keeps serving what it
//   has, EdgeRuntime.waitUntil work included. At the full wall clock it is
//   killed with whatever is still in flight; a request that has no response
//   yet gets 546 WORKER_LIMIT, as from `supabase functions serve`.
// - Request idle timeout, `limits.requestTimeoutSeconds` (env
//   EDGE_REQUEST_TIMEOUT_SECONDS, default 150): a request whose response has
//   not started by then gets 504 and its connection to the worker is
//   dropped; the worker lives on.
// - POST /_local/kill/<name> kills that function's workers at once, as the
//   wall clock would; GET /_local/workers/<name> lists them. Local only.
// Not modelled: CPU time (2 s per worker; the soft limit retires, the hard
// one kills): a Deno process's CPU counts module loading and compiling that a
// hosted isolate does not, so a measure here would be wrong both ways.
// Memory (256 MB). The early drop of a retired worker once its requests and
// waitUntil promises settle (here it lingers until its wall clock, serving
// nothing new), the beforeunload event, the request-absent timeout, and
// cold-start limits.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { verifyJwt } from "../lib/jwt.mjs";
import { binPath, packageRoot } from "../lib/project.mjs";
import { parseDotenv } from "./dotenv.mjs";
import { parseToml, verifyJwtFor } from "./toml.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const shim = path.join(here, "edge-runtime-shim.mjs");

/**
 * The Deno flags a function runs (and is type-checked) with, as `supabase
 * functions serve` would pick its imports: config.toml's
 * `[functions.<name>] import_map`, else the function's own deno.json, else
 * `fallbackConfig` (a project-wide deno.json), else none. A function's own
 * deno.json is read for its import map (`--import-map`), not made the config:
 * Deno would then take the function's folder for the project and not find
 * its package.json, nor the npm packages (and @types/node) it names. npm
 * packages always come from the project's node_modules
 * (`--node-modules-dir=manual`), where `npm install` put them; nothing is
 * fetched. Run from the project's folder.
 */
export function denoConfigArgs({ name, functionsDir, config = {}, fallbackConfig, supabaseDir = path.dirname(functionsDir) }) {
  const args = ["--node-modules-dir=manual"];
  const importMap = config?.functions?.[name]?.import_map;
  if (typeof importMap === "string" && importMap !== "") {
    const file = path.resolve(supabaseDir, importMap);
    return [...args, file.endsWith(".jsonc") ? `--config=${file}` : `--import-map=${file}`];
  }
  const own = path.join(functionsDir, name, "deno.json");
  if (fs.existsSync(own)) return [...args, `--import-map=${own}`];
  const ownc = path.join(functionsDir, name, "deno.jsonc");
  if (fs.existsSync(ownc)) return [...args, `--config=${ownc}`];
  return fallbackConfig && fs.existsSync(fallbackConfig) ? [...args, `--config=${fallbackConfig}`] : args;
}

function json(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} while booting`);
    const open = await new Promise((resolve) => {
      const sock = net.connect(port, "127.0.0.1", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`did not listen within ${timeoutMs} ms`);
}

export const defaultLimits = { wallClockSeconds: 150, requestTimeoutSeconds: 150 };

/** The limits from EDGE_WALL_CLOCK_SECONDS and EDGE_REQUEST_TIMEOUT_SECONDS, or the hosted defaults. */
export function limitsFromEnv(env) {
  const seconds = (name, fallback) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds, not "${raw}"`);
    return value;
  };
  return {
    wallClockSeconds: seconds("EDGE_WALL_CLOCK_SECONDS", defaultLimits.wallClockSeconds),
    requestTimeoutSeconds: seconds("EDGE_REQUEST_TIMEOUT_SECONDS", defaultLimits.requestTimeoutSeconds),
  };
}

function keysEnv(name, keys) {
  return keys && Object.keys(keys).length > 0 ? { [name]: JSON.stringify(keys) } : {};
}

/** One JSON object per line: a function's own JSON lines are merged, plain text is wrapped. */
function lineWriter(stream, name, level, worker) {
  let buffer = "";
  return (chunk) => {
    buffer += chunk;
    const lines = buffer.split("\n");
    buffer = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      let record;
      try {
        const parsed = JSON.parse(line);
        record = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : { msg: line };
      } catch {
        record = { msg: line };
      }
      stream.write(`${JSON.stringify({ ts: new Date().toISOString(), function: name, worker, level, ...record })}\n`);
    }
  };
}

/**
 * Starts the gateway. `env` is what every function gets (SUPABASE_URL,
 * SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY, SUPABASE_DB_URL, …);
 * `apiKeys` become SUPABASE_SECRET_KEYS and SUPABASE_PUBLISHABLE_KEYS, JSON
 * objects of key name → key as hosted functions get them (left unset when
 * there are none, so a test can leave a stack on legacy keys); secrets from
 * `envFile` are added on top, as `supabase secrets set` would.
 * `routes` may add local-only endpoints (path → handler(req, res)).
 * `limits` are the per-worker limits described at the top of this file.
 */
export async function startGateway({
  port,
  host = "127.0.0.1",
  functionsDir,
  configToml,
  envFile,
  jwtSecret,
  env = {},
  apiKeys = { secret: {}, publishable: {} },
  logDir,
  logger = { info() {}, warn() {}, error() {} },
  routes = {},
  limits: limitsOption = {},
  bootTimeoutMs = 30_000,
  // the folder functions run in, and the deno.json for functions without one of their own
  cwd = packageRoot,
  fallbackDenoConfig = path.join(packageRoot, "deno.json"),
}) {
  const denoBin = binPath("deno");
  const limits = { ...defaultLimits, ...limitsOption };
  const wallClockMs = limits.wallClockSeconds * 1000;
  const requestTimeoutMs = limits.requestTimeoutSeconds * 1000;
  const config = configToml && fs.existsSync(configToml) ? parseToml(fs.readFileSync(configToml, "utf8"), configToml) : {};
  const secrets = envFile && fs.existsSync(envFile) ? parseDotenv(fs.readFileSync(envFile, "utf8")) : {};
  const functionLogDir = path.join(logDir, "functions");
  fs.mkdirSync(functionLogDir, { recursive: true });

  const names = (fs.existsSync(functionsDir) ? fs.readdirSync(functionsDir) : []).filter((n) =>
    !n.startsWith("_") && !n.startsWith(".") && fs.existsSync(path.join(functionsDir, n, "index.ts"))
  );
  // name -> { current: the worker new requests go to, workers: every live one, log }
  const functions = new Map(names.map((name) => [name, {
    name,
    current: null,
    workers: new Set(),
    log: fs.createWriteStream(path.join(functionLogDir, `${name}.log`), { flags: "a" }),
  }]));
  let closing = false;

  function spawnWorker(fn) {
    const { name } = fn;
    const worker = {
      id: randomUUID(), child: null, port: 0, readyAt: 0, failed: false, retired: false, gone: false,
      killedFor: null, timers: [], inFlight: new Set(), stderrTail: [],
    };
    fn.workers.add(worker);
    const forget = () => {
      worker.timers.forEach(clearTimeout);
      fn.workers.delete(worker);
      if (fn.current === worker) fn.current = null;
    };
    worker.ready = (async () => {
      worker.port = await freePort();
      const child = spawn(denoBin, [
        "run", "--allow-all", "--no-prompt", "--quiet",
        ...denoConfigArgs({ name, functionsDir, config, fallbackConfig: fallbackDenoConfig }),
        shim, pathToFileURL(path.join(functionsDir, name, "index.ts")).href,
      ], {
        cwd,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
          NO_COLOR: "1",
          ...env,
          ...keysEnv("SUPABASE_SECRET_KEYS", apiKeys.secret),
          ...keysEnv("SUPABASE_PUBLISHABLE_KEYS", apiKeys.publishable),
          ...secrets,
          // hosted: "a UUID of function instance (isolate)"
          SB_EXECUTION_ID: worker.id,
          DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${worker.port}`,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      worker.child = child;
      // resolves once stdout and stderr are drained, so a boot error can quote them whole
      worker.closed = new Promise((resolve) => child.once("close", resolve));
      child.stdout.setEncoding("utf8").on("data", lineWriter(fn.log, name, "info", worker.id));
      const errWriter = lineWriter(fn.log, name, "error", worker.id);
      child.stderr.setEncoding("utf8").on("data", (chunk) => {
        worker.stderrTail = [...worker.stderrTail, ...chunk.split("\n")].slice(-20);
        errWriter(chunk);
      });
      child.on("exit", (code, signal) => {
        worker.gone = true;
        forget();
        if (!closing && !worker.killedFor) logger.warn("function exited", { function: name, worker: worker.id, code, signal });
      });
      if (worker.killedFor) child.kill("SIGKILL");
      await waitForPort(worker.port, child, bootTimeoutMs);
      worker.readyAt = Date.now();
      worker.timers.push(
        setTimeout(() => retire(fn, worker, "wall clock half"), wallClockMs / 2),
        setTimeout(() => kill(fn, worker, "wall clock"), wallClockMs),
      );
      logger.info("function ready", { function: name, worker: worker.id, port: worker.port });
    })().catch(async (err) => {
      worker.failed = true;
      if (worker.child && worker.child.exitCode === null) worker.child.kill("SIGKILL");
      forget();
      if (worker.closed) await Promise.race([worker.closed, new Promise((r) => setTimeout(r, 1_000))]);
      logger.error("function failed to boot", { function: name, worker: worker.id, error: err.message, stderr: worker.stderrTail.join("\n") });
      throw new Error(`function "${name}" failed to boot: ${err.message}. Last output:\n${worker.stderrTail.join("\n")}`);
    });
    return worker;
  }

  /** The worker that takes a new request: the current one, or a fresh one once it has retired. */
  function acquire(fn) {
    const worker = fn.current;
    if (worker && !worker.retired && !worker.gone && !worker.failed && !worker.killedFor) return worker;
    fn.current = spawnWorker(fn);
    return fn.current;
  }

  function retire(fn, worker, reason) {
    if (worker.retired) return;
    worker.retired = true;
    if (fn.current === worker) fn.current = null;
    if (!closing) logger.info("worker retired", { function: fn.name, worker: worker.id, reason, in_flight: worker.inFlight.size });
  }

  function kill(fn, worker, reason) {
    if (worker.gone || worker.killedFor) return;
    worker.killedFor = reason;
    retire(fn, worker, reason);
    logger.warn("worker killed", { function: fn.name, worker: worker.id, reason, in_flight: worker.inFlight.size });
    // answered before the process dies, so its reset connections are not mistaken for a crash (502)
    for (const request of [...worker.inFlight]) {
      request.fail(546, { code: "WORKER_LIMIT", message: `Worker failed to respond due to a resource limit (${reason})` });
    }
    worker.child?.kill("SIGKILL");
  }

  function proxy(req, res, fn, worker, rest) {
    const request = { failed: false };
    worker.inFlight.add(request);
    const upstream = http.request({
      host: "127.0.0.1",
      port: worker.port,
      method: req.method,
      path: rest,
      headers: { ...req.headers, host: `127.0.0.1:${worker.port}` },
    }, (up) => {
      clearTimeout(idle);
      if (request.failed) return void up.resume();
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    request.fail = (status, body) => {
      if (request.failed) return;
      request.failed = true;
      clearTimeout(idle);
      upstream.destroy();
      if (!res.headersSent) json(res, status, body);
      else res.destroy();
    };
    const idle = setTimeout(() => {
      logger.warn("request idle timeout", { function: fn.name, worker: worker.id, path: rest, seconds: limits.requestTimeoutSeconds });
      request.fail(504, { msg: `request idle timeout: the function did not start its response within ${limits.requestTimeoutSeconds} s` });
    }, requestTimeoutMs);
    upstream.on("error", (err) => {
      if (request.failed) return;
      request.failed = true;
      clearTimeout(idle);
      if (!res.headersSent) json(res, 502, { msg: `function "${fn.name}" is unreachable: ${err.message}` });
      else res.destroy(err);
    });
    res.on("close", () => {
      clearTimeout(idle);
      worker.inFlight.delete(request);
      // the caller went away before the answer was complete: so does the worker's request
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  function describeWorker(worker) {
    const state = worker.killedFor ? "killed" : !worker.readyAt ? "booting" : worker.retired ? "retired" : "active";
    return { id: worker.id, state, age_ms: worker.readyAt ? Date.now() - worker.readyAt : null, in_flight: worker.inFlight.size };
  }

  /** POST /_local/kill/<name>, GET /_local/workers/<name>. */
  function localRoute(req, res, action, name) {
    const fn = functions.get(name);
    if (!fn) return json(res, 404, { msg: `Function not found: ${name}` });
    if (action === "workers") return json(res, 200, { workers: [...fn.workers].map(describeWorker) });
    if (req.method !== "POST") return json(res, 405, { msg: "use POST" });
    const killed = [...fn.workers].filter((w) => !w.gone && !w.killedFor);
    for (const worker of killed) kill(fn, worker, "killed on request (/_local/kill)");
    return json(res, 200, { killed: killed.map((w) => w.id) });
  }

  const server = http.createServer(async (req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://gateway");
    res.on("finish", () => logger.info("request", { method: req.method, path: url.pathname, status: res.statusCode, ms: Date.now() - started }));
    try {
      const route = routes[url.pathname];
      if (route) return await route(req, res);
      const local = /^\/_local\/(kill|workers)\/([^/]+)$/.exec(url.pathname);
      if (local) return localRoute(req, res, local[1], decodeURIComponent(local[2]));
      const m = /^\/functions\/v1\/([^/?]+)(\/[^?]*)?$/.exec(url.pathname);
      if (!m) return json(res, 404, { msg: "no route matched: functions are served at /functions/v1/<name>" });
      const name = decodeURIComponent(m[1]);
      if (!names.includes(name)) return json(res, 404, { msg: `Function not found: ${name}` });
      if (req.method !== "OPTIONS" && verifyJwtFor(config, name)) {
        const auth = req.headers.authorization ?? "";
        const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
        if (!token) return json(res, 401, { msg: "Missing authorization header" });
        if (/^sb_(secret|publishable)_/.test(token)) {
          return json(res, 401, { msg: "Invalid JWT: an sb_secret_/sb_publishable_ key is not a JWT; send it in the apikey header to a function with verify_jwt = false" });
        }
        try {
          await verifyJwt(token, jwtSecret);
        } catch (err) {
          return json(res, 401, { msg: err.message });
        }
      }
      const fn = functions.get(name);
      let worker;
      // a worker can retire or be killed while a request waits for it to boot;
      // like the Edge Runtime's main worker, ask the pool again
      for (let attempt = 0; ; attempt++) {
        worker = acquire(fn);
        try {
          await worker.ready;
        } catch (err) {
          return json(res, 503, { msg: err.message });
        }
        if (!worker.retired && !worker.gone) break;
        if (attempt === 2) return json(res, 503, { msg: `function "${name}" has no worker that takes requests` });
      }
      // hosted functions see their own name as the first path segment
      proxy(req, res, fn, worker, `/${name}${m[2] ?? ""}${url.search}`);
    } catch (err) {
      logger.error("gateway error", { error: String(err?.stack ?? err) });
      if (!res.headersSent) json(res, 500, { msg: "gateway error" });
    }
  });

  await new Promise((resolve, reject) => {
    server.once("error", (err) =>
      reject(err.code === "EADDRINUSE" ? new Error(`port ${port} is already in use: stop whatever listens there (npm run stop?)`) : err));
    server.listen(port, host, resolve);
  });
  // boot every function now, so the first pg_cron tick finds the dispatcher ready
  await Promise.allSettled([...functions.values()].map((fn) => acquire(fn).ready));

  return {
    url: `http://${host}:${server.address().port}`,
    port: server.address().port,
    functions: names,
    async stop() {
      closing = true;
      await new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      for (const fn of functions.values()) {
        for (const worker of fn.workers) {
          worker.timers.forEach(clearTimeout);
          worker.child?.kill("SIGTERM");
        }
        fn.log.end();
      }
    },
  };
}
