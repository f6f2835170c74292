// The background half of the local stack, started by `npm start` / `npm test`:
// the functions gateway (with the demo echo endpoint) and the pg_net worker in
// one process. SIGTERM stops both, and the gateway stops its Deno children.
import fs from "node:fs";
import path from "node:path";
import { limitsFromEnv, startGateway } from "./gateway/gateway.mjs";
import { anonKey, dispatcherSecret, jwtSecret, publishableKeys, secretKeys, serviceRoleKey } from "./lib/keys.mjs";
import { getProfile } from "./lib/profile.mjs";
import { projectPaths } from "./lib/project.mjs";
import { startPgNetWorker } from "./pg-net/worker.mjs";

const profile = getProfile(process.argv[2]);
const project = projectPaths(profile.projectRoot);
fs.mkdirSync(profile.logDir, { recursive: true });

function fileLogger(name) {
  const stream = fs.createWriteStream(path.join(profile.logDir, `${name}.log`), { flags: "a" });
  const write = (level) => (msg, fields = {}) =>
    stream.write(`${JSON.stringify({ ts: new Date().toISOString(), level, component: name, msg, ...fields })}\n`);
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

// Secrets the functions get locally; on hosted Supabase these are set with
// `supabase secrets set` (see README). Loopback is allowed so the demo and
// the tests can reach local receivers; hosted deployments keep the guard on.
const functionEnv = {
  DISPATCHER_SECRET: dispatcherSecret,
  SUPABASE_JWT_SECRET: jwtSecret,
  HTTP_ALLOWED_HOSTS: "127.0.0.1,localhost,[::1]",
  // the test stack points the model and email APIs at loopback servers the
  // end-to-end tests run (profile.mjs: modelApiPort, emailApiPort); dev uses
  // supabase/functions/.env
  ...(profile.name === "test" ? {
    AI_BASE_URL: `http://127.0.0.1:${profile.modelApiPort}/v1`,
    AI_MODEL: "e2e-model",
    EMAIL_API_URL: `http://127.0.0.1:${profile.emailApiPort}`,
    EMAIL_API_KEY: "re_e2e",
    EMAIL_FROM: "scheduler@e2e.local",
  } : {}),
};

/** The demo's target: answers with what it was sent, like httpbin's /anything; ?status=500 fails on purpose. */
function echo(req, res) {
  const status = Number(new URL(req.url ?? "/", "http://echo").searchParams.get("status") ?? 200);
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      received_at: new Date().toISOString(),
    });
    res.writeHead(status >= 200 && status <= 599 ? status : 200, { "content-type": "application/json" }).end(body);
  });
}

const worker = await startPgNetWorker({ dbUrl: profile.adminDbUrl, logger: fileLogger("pg-net") });
const gateway = await startGateway({
  port: profile.apiPort,
  // every function of the project: the scheduler's and the app's own, each
  // with the project's config.toml verify_jwt and its own deno.json
  functionsDir: project.functionsDir,
  configToml: project.configToml,
  cwd: project.root,
  fallbackDenoConfig: path.join(project.root, "deno.json"),
  // a developer's secrets never leak into the test stack
  envFile: profile.name === "test" ? undefined : project.envFile,
  jwtSecret,
  env: {
    SUPABASE_URL: profile.apiUrl,
    SUPABASE_ANON_KEY: anonKey,
    SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
    SUPABASE_DB_URL: profile.dbUrl,
    ...functionEnv,
  },
  apiKeys: { secret: secretKeys, publishable: publishableKeys },
  // hosted's per-worker limits; EDGE_WALL_CLOCK_SECONDS=400 models a paid plan
  limits: limitsFromEnv(process.env),
  logDir: profile.logDir,
  logger: fileLogger("gateway"),
  routes: {
    "/_local/health": (_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok"),
    "/_local/echo": echo,
  },
});
console.log(JSON.stringify({ ts: new Date().toISOString(), msg: "services up", profile: profile.name, api: profile.apiUrl }));

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ ts: new Date().toISOString(), msg: "services stopping", signal }));
  await Promise.allSettled([gateway.stop(), worker.stop()]);
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
