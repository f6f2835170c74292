// The local stacks: `dev` for `npm start`, `test` for `npm test` and `bench`
// for `npm run bench`, so neither tests nor benchmarks touch a developer's
// data. Ports follow `supabase start`.
//
// Each profile keeps its cluster, pids and logs in a folder of its own:
// `.local/<profile>` in this repository, `supabase/.temp/task-scheduler/<profile>`
// in another project (supabase init's own .gitignore already leaves
// supabase/.temp out). Run as root, the cluster belongs to the `postgres` OS
// user, which must be able to reach it: when the project lives where that user
// cannot enter (a home folder of mode 0700, as /root is), the folder moves to
// the postgres user's home instead, and the status block says where.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { packageRoot, projectRoot } from "./project.mjs";

/** This package's root; also the project's in this repository. Kept for the bench and older callers. */
export const repoRoot = packageRoot;

const ports = {
  dev: { api: 54321, db: 54322 },
  test: { api: 54331, db: 54332 },
  bench: { api: 54341, db: 54342 },
  // two bare clusters (no services) that `npm run db:diff` and the schema-sync
  // suite build from supabase/migrations and from supabase/schemas
  "from-migrations": { api: 54351, db: 54352 },
  "from-schemas": { api: 54361, db: 54362 },
};

// STACK_PORT_BASE moves every profile's ports (base+1 api, base+2 db, and
// +7/+8 for the test stack's loopback email and model servers), so several
// checkouts of this repository can run their stacks side by side.
function portsOf(name) {
  const known = ports[name];
  if (!known) return undefined;
  const base = Number(process.env.STACK_PORT_BASE ?? "");
  if (!Number.isInteger(base) || base <= 0) return known;
  const shift = { dev: 0, test: 10, bench: 20, "from-migrations": 30, "from-schemas": 40 }[name];
  return { api: base + shift + 1, db: base + shift + 2 };
}

const isRoot = process.getuid?.() === 0;

function passwdEntry(user) {
  try {
    const line = fs.readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith(`${user}:`));
    if (!line) return null;
    const [, , uid, gid, , home] = line.split(":");
    return { uid: Number(uid), gid: Number(gid), home };
  } catch {
    return null;
  }
}

/**
 * Whether the cluster's OS user can walk down to `dir`: every existing
 * folder on the way must let it search (x), as its owner, through its group,
 * or as anyone. Only root runs the cluster as another user.
 */
export function clusterUserCanReach(dir, user = passwdEntry("postgres")) {
  if (!isRoot) return true;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    let st;
    try {
      st = fs.statSync(d);
    } catch {
      st = null; // not created yet: created 0755 by the stack
    }
    if (st) {
      const ok = user && st.uid === user.uid ? st.mode & 0o100 : user && st.gid === user.gid ? st.mode & 0o010 : st.mode & 0o001;
      if (!ok) return false;
    }
    if (path.dirname(d) === d) return true;
  }
}

/** The profile's folder: in the project when the cluster's OS user can reach it, else in that user's home. */
function stateDir(root, name) {
  const inProject = root === packageRoot
    ? path.join(root, ".local", name)
    : path.join(root, "supabase", ".temp", "task-scheduler", name);
  if (clusterUserCanReach(inProject)) return { dir: inProject, relocated: false };
  const home = passwdEntry("postgres")?.home || "/var/lib/postgresql";
  const slug = path.basename(root).replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 24);
  const hash = crypto.createHash("sha256").update(root).digest("hex").slice(0, 8);
  return { dir: path.join(home, "supabase-task-scheduler", `${slug}-${hash}`, name), relocated: true };
}

export function getProfile(name = process.env.STACK_PROFILE ?? "dev", root = projectRoot()) {
  const p = portsOf(name);
  if (!p) throw new Error(`unknown stack profile "${name}": expected one of ${Object.keys(ports).join(", ")}`);
  const { dir, relocated } = stateDir(path.resolve(root), name);
  return {
    name,
    projectRoot: path.resolve(root),
    apiPort: p.api,
    dbPort: p.db,
    dir,
    /** True when the folder is outside the project because the cluster's OS user cannot reach the project. */
    relocated,
    dataDir: path.join(dir, "pgdata"),
    socketDir: path.join(dir, "run"),
    logDir: path.join(dir, "logs"),
    pidFile: path.join(dir, "services.pid"),
    apiUrl: `http://127.0.0.1:${p.api}`,
    /** Loopback servers the end-to-end tests run for the email and model APIs. */
    emailApiPort: p.api + 7,
    modelApiPort: p.api + 8,
    dbUrl: `postgresql://postgres:postgres@127.0.0.1:${p.db}/postgres`,
    adminDbUrl: `postgresql://supabase_admin:postgres@127.0.0.1:${p.db}/postgres`,
  };
}
