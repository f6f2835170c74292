// The local stacks: `dev` for `npm start`, `test` for `npm test` and `bench`
// for `npm run bench`, so neither tests nor benchmarks touch a developer's
// data. Ports follow `supabase start`.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

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

export function getProfile(name = process.env.STACK_PROFILE ?? "dev") {
  const p = portsOf(name);
  if (!p) throw new Error(`unknown stack profile "${name}": expected one of ${Object.keys(ports).join(", ")}`);
  const dir = path.join(repoRoot, ".local", name);
  return {
    name,
    apiPort: p.api,
    dbPort: p.db,
    dir,
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
