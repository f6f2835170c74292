// The drain's cost per job on the dev stack, repeated: DB time, WAL and the
// WAL of each relation (bench/lib/cost.mjs), for our engine only, so that a
// design change can be measured before and after on one database minutes
// apart (`npm run bench -- --only drain` measures the peers beside it).
//
//   STACK_PORT_BASE=59000 npm start
//   STACK_PORT_BASE=59000 node bench/drain-cost.mjs [jobs] [repetitions] [label] [connections] [batch]
//
// connections and batch default to the bench's drain (2 and 1,000); more
// connections with smaller batches make the claims overlap more.
//
// It writes tasks of a bench user of its own and deletes them at the end.
import postgres from "postgres";
import { getProfile } from "../scripts/lib/profile.mjs";
import { prepareCostMeters, startDbMeter } from "./lib/cost.mjs";
import { drainOurs } from "./lib/drain.mjs";
import { fmt, summarize } from "./lib/stats.mjs";

const [jobs = "10000", reps = "3", label = "", connections = "2", batch = "1000"] = process.argv.slice(2);
const n = Number(jobs);
const profile = getProfile("dev");
await prepareCostMeters(profile.adminDbUrl);
const sql = postgres(profile.dbUrl, { max: 1, onnotice: () => {} });
const [{ id: ownerId }] = await sql`insert into auth.users (id, email) values (gen_random_uuid(), ${`drain-cost-${Date.now()}@example.com`}) returning id`;
const meter = () => startDbMeter({ adminDbUrl: profile.adminDbUrl, dbUrl: profile.dbUrl, dbName: new URL(profile.dbUrl).pathname.slice(1) });
const results = [];
try {
  for (let i = 0; i < Number(reps); i++) {
    results.push(await drainOurs({ dbUrl: profile.dbUrl, ownerId, n, workers: Number(connections), batch: Number(batch), meter }));
  }
} finally {
  await sql`delete from auth.users where id = ${ownerId}`;
  await sql.end();
}
const per = (x) => (x * 1000) / n;
const s = (xs) => { const m = summarize(xs); return `${fmt(m.median, 1)} (${fmt(m.min, 1)}–${fmt(m.max, 1)})`; };
console.log(`${label ? `${label}: ` : ""}${n} jobs × ${reps} (${connections} connections, batches of ${batch}): ${s(results.map((r) => r.perSecond))} jobs/s; per 1,000 jobs: DB time ${s(results.map((r) => per(r.cost.dbMs)))} ms, `
  + `WAL ${s(results.map((r) => per(r.cost.walBytes)))} B (cluster), ${s(results.map((r) => per(r.cost.dbWalBytes)))} B (its database)`);
const last = results.at(-1).cost;
for (const t of last.tables.filter((t) => t.name.startsWith("scheduler"))) {
  console.log(`  ${t.name}: inserted ${fmt(t.ins / n, 2)}, updated ${fmt(t.upd / n, 2)} (HOT ${fmt(t.hot / n, 2)}), deleted ${fmt(t.del / n, 2)} per job`);
}
for (const r of last.relations.filter((r) => r.bytes / n >= 1).sort((a, b) => b.bytes - a.bytes)) {
  console.log(`  ${r.name}${r.kind === "i" ? " (index)" : ""}: ${fmt(r.bytes / n)} B/job${r.indexInserts ? `, ${fmt(r.indexInserts / n, 2)} entries/job` : ""}`);
}
