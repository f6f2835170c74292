// Bringing a profile's whole stack up and down: cluster, database state,
// Vault entries, and the services process (functions gateway + pg_net worker).
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { clusterExists, destroyCluster, ensureSystemPackages, initCluster, psql, startCluster, stopCluster } from "./cluster.mjs";
import { applyMigrations, applySeed, bootstrapDatabase, installStandInExtensions } from "./database.mjs";
import { anonKey, dispatcherSecret, jwtSecret, publishableKey, secretKey, serviceRoleKey } from "./keys.mjs";
import { packageRoot } from "./project.mjs";

export function stackEnv(profile) {
  return {
    SUPABASE_URL: profile.apiUrl,
    SUPABASE_DB_URL: profile.dbUrl,
    SUPABASE_ADMIN_DB_URL: profile.adminDbUrl,
    SUPABASE_SECRET_KEY: secretKey,
    SUPABASE_PUBLISHABLE_KEY: publishableKey,
    SUPABASE_ANON_KEY: anonKey,
    SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
    SUPABASE_JWT_SECRET: jwtSecret,
    DISPATCHER_SECRET: dispatcherSecret,
    E2E_MODEL_API_PORT: String(profile.modelApiPort),
    E2E_EMAIL_API_PORT: String(profile.emailApiPort),
  };
}

/** The Vault entries the dispatch job reads; on hosted Supabase the README has you create them. */
function writeVaultEntries(profile) {
  const entries = { project_url: profile.apiUrl, dispatcher_secret: dispatcherSecret };
  const sql = Object.entries(entries)
    .map(([name, value]) => `
      select case
        when exists (select 1 from vault.secrets where name = '${name}')
        then (select vault.update_secret(id, '${value}') from vault.secrets where name = '${name}')::text
        else vault.create_secret('${value}', '${name}')::text
      end;`)
    .join("\n");
  psql(profile, { sql });
}

/** Cluster up and database current. A new cluster is seeded once. */
export function prepareDatabase(profile, { fresh = false, seed = true, log = console.log } = {}) {
  ensureSystemPackages(log);
  installStandInExtensions();
  if (fresh) destroyCluster(profile);
  const created = initCluster(profile);
  startCluster(profile);
  if (created) log(`Created a cluster in ${shownPath(profile, profile.dataDir)}`);
  // idempotent, and cheap enough to run every time: an older cluster catches up
  bootstrapDatabase(profile);
  applyMigrations(profile);
  writeVaultEntries(profile);
  if (created && seed) applySeed(profile);
  return { created };
}

export function readServicesPid(profile) {
  try {
    const pid = Number(fs.readFileSync(profile.pidFile, "utf8"));
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

async function waitForHealth(profile, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) break;
    try {
      const res = await fetch(`${profile.apiUrl}/_local/health`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  const logFile = path.join(profile.logDir, "services.log");
  const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n") : "";
  throw new Error(`the services process did not become healthy on ${profile.apiUrl}\n${tail}`);
}

/**
 * Starts the gateway and the pg_net worker in one background process.
 * `detached` leaves it running after we exit, like `supabase start`.
 */
export async function startServices(profile, { detached = true } = {}) {
  const existing = readServicesPid(profile);
  if (existing) return { pid: existing, started: false };
  fs.mkdirSync(profile.logDir, { recursive: true });
  const out = fs.openSync(path.join(profile.logDir, "services.log"), "a");
  const child = spawn(process.execPath, [path.join(packageRoot, "scripts/services.mjs"), profile.name], {
    cwd: profile.projectRoot,
    detached,
    stdio: ["ignore", out, out],
    env: { ...process.env, STACK_PROFILE: profile.name, TASK_SCHEDULER_PROJECT: profile.projectRoot },
  });
  fs.writeFileSync(profile.pidFile, String(child.pid));
  if (detached) child.unref();
  await waitForHealth(profile, child);
  return { pid: child.pid, started: true, child };
}

export async function stopServices(profile) {
  const pid = readServicesPid(profile);
  if (!pid) return false;
  try {
    process.kill(-pid, "SIGTERM"); // the whole process group: deno children too
  } catch {
    process.kill(pid, "SIGTERM");
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  fs.rmSync(profile.pidFile, { force: true });
  return true;
}

export async function stopStack(profile) {
  const services = await stopServices(profile);
  const cluster = clusterExists(profile) ? stopCluster(profile) : false;
  return { services, cluster };
}

/** A path as the status block shows it: relative inside the project, absolute outside. */
function shownPath(profile, p) {
  const rel = path.relative(profile.projectRoot, p);
  return rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
}

export function statusBlock(profile) {
  const env = stackEnv(profile);
  const rel = (p) => shownPath(profile, p);
  const rows = [
    ["Project", profile.projectRoot],
    ["Data", profile.relocated
      ? `${profile.dir}/ (cluster, logs: outside the project, which the postgres OS user cannot reach)`
      : `${rel(profile.dir)}/ (cluster, logs)`],
    ["API URL", profile.apiUrl],
    ["Functions URL", `${profile.apiUrl}/functions/v1`],
    ["Echo URL (demo)", `${profile.apiUrl}/_local/echo`],
    ["DB URL", profile.dbUrl],
    ["Admin DB URL", profile.adminDbUrl],
    ["publishable key", env.SUPABASE_PUBLISHABLE_KEY],
    ["secret key", env.SUPABASE_SECRET_KEY],
    ["JWT secret", env.SUPABASE_JWT_SECRET],
    ["anon key (legacy)", env.SUPABASE_ANON_KEY],
    ["service_role key (legacy)", env.SUPABASE_SERVICE_ROLE_KEY],
    ["dispatcher secret", env.DISPATCHER_SECRET],
    ["Logs", `${rel(profile.logDir)}/ (postgres.log, services.log, pg-net.log, gateway.log, functions/<name>.log)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padStart(width)}: ${v}`).join("\n");
}
