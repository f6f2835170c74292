// LOCAL STAND-IN for Supabase's functions relay (what `supabase functions
// serve` runs in Docker): routes /functions/v1/<name> to that function,
// checks the JWT like the relay unless config.toml sets verify_jwt = false,
// gives the function the Edge Runtime's environment, and writes its logs as
// JSON lines, one file per function. Each function runs in its own Deno
// process with plain Deno.serve, so the same code deploys unchanged.
//
// verify_jwt = true takes only a JWT (legacy HS256, signed with jwtSecret) in
// Authorization, as `supabase functions serve` does. An sb_secret_/
// sb_publishable_ key there is refused. Hosted Supabase is more lenient: its
// docs (functions/auth-headers) say the check accepts those keys on either
// header "for migration compatibility" and that this does not authenticate
// the caller. Refusing them here keeps code from depending on that.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { verifyJwt } from "../lib/jwt.mjs";
import { parseDotenv } from "./dotenv.mjs";
import { parseToml, verifyJwtFor } from "./toml.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const shim = path.join(here, "edge-runtime-shim.ts");
const denoBin = path.join(repoRoot, "node_modules/.bin/deno");

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

function keysEnv(name, keys) {
  return keys && Object.keys(keys).length > 0 ? { [name]: JSON.stringify(keys) } : {};
}

/** One JSON object per line: a function's own JSON lines are merged, plain text is wrapped. */
function lineWriter(stream, name, level) {
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
      stream.write(`${JSON.stringify({ ts: new Date().toISOString(), function: name, level, ...record })}\n`);
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
  bootTimeoutMs = 30_000,
}) {
  const config = configToml && fs.existsSync(configToml) ? parseToml(fs.readFileSync(configToml, "utf8")) : {};
  const secrets = envFile && fs.existsSync(envFile) ? parseDotenv(fs.readFileSync(envFile, "utf8")) : {};
  const functionLogDir = path.join(logDir, "functions");
  fs.mkdirSync(functionLogDir, { recursive: true });

  const names = fs.readdirSync(functionsDir).filter((n) =>
    !n.startsWith("_") && !n.startsWith(".") && fs.existsSync(path.join(functionsDir, n, "index.ts"))
  );
  const workers = new Map(); // name -> { child, port, ready: Promise }
  let closing = false;

  function boot(name) {
    const existing = workers.get(name);
    if (existing && existing.child.exitCode === null && !existing.failed) return existing.ready;
    const log = fs.createWriteStream(path.join(functionLogDir, `${name}.log`), { flags: "a" });
    const entry = { child: null, port: 0, failed: false, log, stderrTail: [] };
    entry.ready = (async () => {
      entry.port = await freePort();
      const child = spawn(denoBin, [
        "run", "--allow-all", "--no-prompt", "--quiet", `--config=${path.join(repoRoot, "deno.json")}`,
        shim, pathToFileURL(path.join(functionsDir, name, "index.ts")).href,
      ], {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
          NO_COLOR: "1",
          ...env,
          ...keysEnv("SUPABASE_SECRET_KEYS", apiKeys.secret),
          ...keysEnv("SUPABASE_PUBLISHABLE_KEYS", apiKeys.publishable),
          ...secrets,
          SB_EXECUTION_ID: name,
          DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${entry.port}`,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      entry.child = child;
      // resolves once stdout and stderr are drained, so a boot error can quote them whole
      entry.closed = new Promise((resolve) => child.once("close", resolve));
      child.stdout.setEncoding("utf8").on("data", lineWriter(log, name, "info"));
      const errWriter = lineWriter(log, name, "error");
      child.stderr.setEncoding("utf8").on("data", (chunk) => {
        entry.stderrTail = [...entry.stderrTail, ...chunk.split("\n")].slice(-20);
        errWriter(chunk);
      });
      child.on("exit", (code, signal) => {
        if (!closing) logger.warn("function exited", { function: name, code, signal });
      });
      await waitForPort(entry.port, child, bootTimeoutMs);
      logger.info("function ready", { function: name, port: entry.port });
    })().catch(async (err) => {
      entry.failed = true;
      if (entry.closed) await Promise.race([entry.closed, new Promise((r) => setTimeout(r, 1_000))]);
      logger.error("function failed to boot", { function: name, error: err.message, stderr: entry.stderrTail.join("\n") });
      throw new Error(`function "${name}" failed to boot: ${err.message}. Last output:\n${entry.stderrTail.join("\n")}`);
    });
    workers.set(name, entry);
    return entry.ready;
  }

  function proxy(req, res, name, rest) {
    const entry = workers.get(name);
    const upstream = http.request({
      host: "127.0.0.1",
      port: entry.port,
      method: req.method,
      path: rest,
      headers: { ...req.headers, host: `127.0.0.1:${entry.port}` },
    }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", (err) => {
      if (!res.headersSent) json(res, 502, { msg: `function "${name}" is unreachable: ${err.message}` });
      else res.destroy(err);
    });
    req.pipe(upstream);
  }

  const server = http.createServer(async (req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://gateway");
    res.on("finish", () => logger.info("request", { method: req.method, path: url.pathname, status: res.statusCode, ms: Date.now() - started }));
    try {
      const route = routes[url.pathname];
      if (route) return await route(req, res);
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
          verifyJwt(token, jwtSecret);
        } catch (err) {
          return json(res, 401, { msg: err.message });
        }
      }
      try {
        await boot(name);
      } catch (err) {
        return json(res, 503, { msg: err.message });
      }
      // hosted functions see their own name as the first path segment
      proxy(req, res, name, `/${name}${m[2] ?? ""}${url.search}`);
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
  await Promise.allSettled(names.map(boot));

  return {
    url: `http://${host}:${server.address().port}`,
    port: server.address().port,
    functions: names,
    async stop() {
      closing = true;
      await new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      for (const entry of workers.values()) {
        entry.child?.kill("SIGTERM");
        entry.log.end();
      }
    },
  };
}
