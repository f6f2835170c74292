// The project's own PostgreSQL cluster: real PostgreSQL 15 with pg_cron,
// pgTAP and plpgsql_check from Debian's packages, run as the `postgres` OS
// user when we are root (PostgreSQL refuses to run as root), data in the
// profile's folder (scripts/lib/profile.mjs says where, and why it may be
// outside the project).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { clusterUserCanReach } from "./profile.mjs";

const isRoot = process.getuid?.() === 0;
const DB_PASSWORD = "postgres";

export function run(cmd, args, { input, env, quiet = false, allowFail = false, cwd = process.cwd() } = {}) {
  const res = spawnSync(cmd, args, {
    cwd,
    input,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw new Error(`${cmd}: ${res.error.message}`);
  if (res.status !== 0 && !allowFail) {
    const out = `${res.stdout ?? ""}${res.stderr ?? ""}`.trim();
    throw new Error(`command failed (${res.status}): ${cmd} ${args.join(" ")}\n${out}`);
  }
  if (!quiet && res.stdout) process.stdout.write(res.stdout);
  return res;
}

/** Runs a command as root: directly when we are root, else through sudo. */
function privileged(cmd, args, opts) {
  return isRoot ? run(cmd, args, opts) : run("sudo", ["-n", cmd, ...args], opts);
}

/**
 * Runs a PostgreSQL server binary as the postgres OS user when we are root,
 * from `/`: that user may not be allowed into the folder we were started in.
 */
function asClusterOwner(bin, args, opts) {
  if (isRoot) return run("runuser", ["-u", "postgres", "--", bin, ...args], { cwd: "/", ...opts });
  return run(bin, args, opts);
}

const serverBinDir = "/usr/lib/postgresql/15/bin";

function pgConfig(flag, fallback) {
  for (const bin of [path.join(serverBinDir, "pg_config"), "pg_config"]) {
    try {
      return execFileSync(bin, [flag], { encoding: "utf8" }).trim();
    } catch { /* not this one */ }
  }
  return fallback;
}

/** A PostgreSQL 15 server binary (Debian keeps them outside PATH). */
export function pgBin(name) {
  const candidate = path.join(serverBinDir, name);
  return fs.existsSync(candidate) ? candidate : name;
}

const debianPackages = [
  ["postgresql-15", "/usr/lib/postgresql/15/bin/postgres"],
  ["postgresql-contrib", "/usr/share/postgresql/15/extension/pgcrypto.control"],
  ["postgresql-15-cron", "/usr/share/postgresql/15/extension/pg_cron.control"],
  ["postgresql-15-pgtap", "/usr/share/postgresql/15/extension/pgtap.control"],
  ["postgresql-15-plpgsql-check", "/usr/share/postgresql/15/extension/plpgsql_check.control"],
  ["libtap-parser-sourcehandler-pgtap-perl", "/usr/bin/pg_prove"],
  // a transaction pooler for the tests: hosted's Supavisor cannot run here,
  // PgBouncer in transaction mode pools the same way (a server connection per
  // transaction, no session state kept)
  ["pgbouncer", "/usr/sbin/pgbouncer"],
];

/** Installs the Debian packages that are missing (apt-get update first, as a fresh machine needs). */
export function ensureSystemPackages(log = console.log) {
  const missing = debianPackages.filter(([, probe]) => !fs.existsSync(probe)).map(([pkg]) => pkg);
  if (missing.length === 0) return;
  log(`Installing Debian packages: ${missing.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  privileged("apt-get", ["update", "-qq"], { env, quiet: true });
  privileged("apt-get", ["install", "-y", "-qq", ...missing], { env, quiet: true });
  // the Debian package may start a system cluster on 5432; the stack does not use it
  privileged("pg_ctlcluster", ["15", "main", "stop"], { allowFail: true, quiet: true });
}

/** Copies a stand-in extension's control and script files into PostgreSQL's extension directory. */
export function installExtensionFiles(files) {
  const sharedir = pgConfig("--sharedir", "/usr/share/postgresql/15");
  const target = path.join(sharedir, "extension");
  for (const file of files) {
    const dest = path.join(target, path.basename(file));
    if (fs.existsSync(dest) && fs.readFileSync(dest, "utf8") === fs.readFileSync(file, "utf8")) continue;
    privileged("install", ["-m", "0644", file, dest], { quiet: true });
  }
}

function ownByClusterUser(dir) {
  fs.mkdirSync(dir, { recursive: true });
  if (isRoot) run("chown", ["-R", "postgres:postgres", dir], { quiet: true });
}

export function clusterExists(profile) {
  return fs.existsSync(path.join(profile.dataDir, "PG_VERSION"));
}

export function initCluster(profile) {
  if (clusterExists(profile)) return false;
  if (isRoot && !clusterUserCanReach(profile.dir)) {
    throw new Error(`the postgres OS user cannot reach ${profile.dir}: every folder above it must let others search it (chmod o+x)`);
  }
  ownByClusterUser(profile.dir);
  for (const d of [profile.socketDir, profile.logDir]) ownByClusterUser(d);
  const pwfile = path.join(profile.dir, ".pwfile");
  fs.writeFileSync(pwfile, `${DB_PASSWORD}\n`, { mode: 0o600 });
  if (isRoot) run("chown", ["postgres:postgres", pwfile], { quiet: true });
  asClusterOwner(pgBin("initdb"), [
    "-D", profile.dataDir, "-U", "supabase_admin", `--pwfile=${pwfile}`,
    "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
  ], { quiet: true });
  fs.rmSync(pwfile);
  const conf = [
    "# written by scripts/lib/cluster.mjs: Supabase's local defaults",
    `port = ${profile.dbPort}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${profile.socketDir}'`,
    "shared_preload_libraries = 'pg_cron, pg_stat_statements, plpgsql_check'",
    "cron.database_name = 'postgres'",
    "cron.use_background_workers = on",
    "max_worker_processes = 64",
    "max_connections = 200",
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    "fsync = " + (profile.name === "dev" || profile.name === "bench" ? "on" : "off"),
    "synchronous_commit = " + (profile.name === "dev" || profile.name === "bench" ? "on" : "off"),
    "",
  ].join("\n");
  fs.appendFileSync(path.join(profile.dataDir, "postgresql.conf"), conf);
  return true;
}

export function clusterRunning(profile) {
  if (!clusterExists(profile)) return false;
  const res = asClusterOwner(pgBin("pg_ctl"), ["-D", profile.dataDir, "status"], { allowFail: true, quiet: true });
  return res.status === 0;
}

export function startCluster(profile) {
  if (clusterRunning(profile)) return false;
  asClusterOwner(pgBin("pg_ctl"), [
    "-D", profile.dataDir, "-l", path.join(profile.logDir, "postgres.log"), "-w", "-t", "60", "start",
  ], { quiet: true });
  return true;
}

export function stopCluster(profile) {
  if (!clusterRunning(profile)) return false;
  asClusterOwner(pgBin("pg_ctl"), ["-D", profile.dataDir, "-m", "fast", "-w", "stop"], { quiet: true });
  return true;
}

export function destroyCluster(profile) {
  stopCluster(profile);
  fs.rmSync(profile.dataDir, { recursive: true, force: true });
}

/** psql against the profile's cluster; `user` is supabase_admin unless given. */
export function psql(profile, { file, sql, user = "supabase_admin", db = "postgres", quiet = true, allowFail = false, vars = {} } = {}) {
  const args = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(profile.dbPort), "-U", user, "-d", db];
  for (const [k, v] of Object.entries(vars)) args.push("-v", `${k}=${v}`);
  if (file) args.push("-f", file);
  if (sql) args.push("-c", sql);
  return run("psql", args, { env: { PGPASSWORD: DB_PASSWORD }, quiet, allowFail });
}
