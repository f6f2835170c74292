// A transaction pooler in front of the test stack's database, for the tests
// that show the functions work through one (hosted: Supavisor on port 6543).
// PgBouncer in transaction mode: each transaction gets whichever server
// connection is free, so nothing that relies on session state survives it.
// It runs as the postgres OS user (it refuses root), for one test file.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { stack } from "./stack.ts";

async function listening(port: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the transaction pooler did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts PgBouncer (pool_mode = transaction, `serverConnections` per pool) and returns its URL for the postgres role. */
export async function startTransactionPooler(serverConnections = 2) {
  const db = new URL(stack.dbUrl);
  const port = Number(db.port) + 4;
  const dir = path.join(fs.mkdtempSync("/tmp/pooler-"));
  fs.writeFileSync(path.join(dir, "userlist.txt"), `"${db.username}" "${decodeURIComponent(db.password)}"\n`);
  fs.writeFileSync(path.join(dir, "pgbouncer.ini"), [
    "[databases]",
    `postgres = host=127.0.0.1 port=${db.port} dbname=postgres`,
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    "unix_socket_dir =",
    "auth_type = md5",
    `auth_file = ${dir}/userlist.txt`,
    "pool_mode = transaction",
    `default_pool_size = ${serverConnections}`,
    "max_client_conn = 200",
    "ignore_startup_parameters = extra_float_digits,options",
    `logfile = ${dir}/pgbouncer.log`,
    `pidfile = ${dir}/pgbouncer.pid`,
    "",
  ].join("\n"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) fs.chownSync(dir, uid("postgres"), gid("postgres"));
  for (const f of fs.readdirSync(dir)) if (asRoot) fs.chownSync(path.join(dir, f), uid("postgres"), gid("postgres"));
  const child = asRoot
    ? spawn("runuser", ["-u", "postgres", "--", "/usr/sbin/pgbouncer", path.join(dir, "pgbouncer.ini")], { stdio: "ignore" })
    : spawn("/usr/sbin/pgbouncer", [path.join(dir, "pgbouncer.ini")], { stdio: "ignore" });
  await listening(port);
  const url = new URL(stack.dbUrl);
  url.port = String(port);
  return {
    url: url.toString(),
    log: () => fs.readFileSync(path.join(dir, "pgbouncer.log"), "utf8"),
    stop: async () => {
      const pidFile = path.join(dir, "pgbouncer.pid");
      if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, "utf8").trim()), "SIGTERM");
      await new Promise((r) => child.exitCode !== null ? r(null) : child.once("exit", r));
    },
  };
}

function idOf(flag: "-u" | "-g", name: string): number {
  const line = fs.readFileSync(flag === "-u" ? "/etc/passwd" : "/etc/group", "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no ${name} in ${flag === "-u" ? "/etc/passwd" : "/etc/group"}`);
  return Number(line.split(":")[2]);
}
const uid = (name: string) => idOf("-u", name);
const gid = (name: string) => idOf("-g", name);
