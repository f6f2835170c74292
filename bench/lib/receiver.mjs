// The fan-out's receiver (issue 17): nginx from Debian's packages answering
// every request with a static `return 200` on loopback, so the receiver is
// not what the comparison measures. Installed by the bench itself (apt-get,
// as root or through sudo, like scripts/lib/cluster.mjs does for PostgreSQL)
// and started in a folder of its own; when it cannot be installed, the bench
// falls back to its Node echo server and says so in the results.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";

const NGINX = "/usr/sbin/nginx";
const isRoot = process.getuid?.() === 0;

function privileged(cmd, args) {
  const res = isRoot
    ? spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } })
    : spawnSync("sudo", ["-n", cmd, ...args], { encoding: "utf8", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (res.error || res.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${res.error?.message ?? `${res.stderr}`.trim().split("\n").slice(-3).join(" ")}`);
}

/** nginx's binary, installed from Debian's packages if missing; null (and why) when it cannot be. */
export function ensureNginx(log = console.log) {
  if (fs.existsSync(NGINX)) return { bin: NGINX };
  try {
    log("Installing nginx-light from Debian's packages for the fan-out receiver…");
    privileged("apt-get", ["update", "-qq"]);
    privileged("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "nginx-light"]);
    // the package starts a system nginx on port 80; the bench does not use it
    spawnSync(isRoot ? "systemctl" : "sudo", isRoot ? ["stop", "nginx"] : ["-n", "systemctl", "stop", "nginx"], { encoding: "utf8" });
    spawnSync(isRoot ? "nginx" : "sudo", isRoot ? ["-s", "stop"] : ["-n", "nginx", "-s", "stop"], { encoding: "utf8" });
    return fs.existsSync(NGINX) ? { bin: NGINX } : { bin: null, why: "apt-get installed nginx-light but /usr/sbin/nginx is missing" };
  } catch (e) {
    return { bin: null, why: e.message };
  }
}

/** Starts nginx on 127.0.0.1:port, one worker process, static 200 for every request. */
export async function startNginx(bin, port) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-nginx-"));
  fs.chmodSync(dir, 0o755);
  const conf = `
daemon off;
master_process on;
# one worker: the machine has 2 cores; its ceiling is measured below
worker_processes 1;
${isRoot ? "user root;" : ""}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / {
      default_type application/json;
      return 200 '{"ok":true}';
    }
  }
}
`;
  fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
  const child = spawn(bin, ["-c", path.join(dir, "nginx.conf"), "-p", dir], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const url = `http://127.0.0.1:${port}/echo`;
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr.trim()}`);
    const ok = await new Promise((resolve) => {
      const req = http.request(url, { method: "GET" }, (res) => { res.resume(); resolve(res.statusCode === 200); });
      req.on("error", () => resolve(false));
      req.end();
    });
    if (ok) break;
    if (Date.now() > until) throw new Error(`nginx did not answer on ${url}: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid,
    kind: "nginx",
    stop: () => { child.kill("SIGQUIT"); setTimeout(() => fs.rmSync(dir, { recursive: true, force: true }), 500).unref(); },
  };
}

const LOAD_SOURCE = `
const http = require("node:http");
const [url, n, inflight] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const agent = new http.Agent({ keepAlive: true, maxSockets: inflight });
let next = 0;
const one = () => new Promise((resolve, reject) => {
  const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": 2 } }, (res) => {
    res.resume(); res.on("end", resolve);
  });
  req.on("error", reject);
  req.end("{}");
});
const started = performance.now();
Promise.all(Array.from({ length: inflight }, async () => { while (next++ < n) await one(); }))
  .then(() => { console.log(String(n / ((performance.now() - started) / 1000))); process.exit(0); });
`;

/**
 * The receiver's ceiling as this machine can drive it: as many clients as
 * cores, each a Node process with keep-alive sockets, POSTing in parallel.
 * A lower bound (the clients share the 2 cores with the receiver).
 */
export async function receiverCeiling(url, n, { clients = Math.max(2, os.cpus().length), inflight = 32 } = {}) {
  const each = Math.ceil(n / clients);
  const rates = await Promise.all(Array.from({ length: clients }, () => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", LOAD_SOURCE, url, String(each), String(inflight)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.on("exit", (code) => code === 0 ? resolve(Number(out.trim())) : reject(new Error(`load client exited with ${code}`)));
  })));
  return rates.reduce((a, b) => a + b, 0);
}
