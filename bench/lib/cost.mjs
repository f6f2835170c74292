// What a workload costs the database, read around its window, for any
// system on the bench cluster (issue 17):
//  - DB time: pg_stat_statements' execution plus planning time of the
//    top-level statements of one database (planning is tracked because the
//    bench turns pg_stat_statements.track_planning on; a function's inner
//    statements are inside its caller's execution time);
//  - WAL bytes: pg_current_wal_lsn() before and after (the whole cluster),
//    and the part pg_walinspect attributes to the database's own relations;
//  - rows written per table (pg_stat_user_tables: inserted, updated, of which
//    HOT, deleted) and per index (the b-tree insert records pg_walinspect
//    finds for it: pg_stat_user_indexes counts scans, not writes);
//  - CPU seconds of process trees (/proc/<pid>/stat utime + stime, with the
//    reaped children's cutime + cstime, so a process that exits inside the
//    window is still counted).
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import postgres from "postgres";

// the first block reference of a record: "blkref #0: rel <tablespace>/<database>/<relfilenode> fork …"
const DB_RE = "rel \\d+/(\\d+)/\\d+";
const REL_RE = "rel \\d+/\\d+/(\\d+)";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Once per bench cluster: planning time tracked, pg_walinspect installed. */
export async function prepareCostMeters(adminDbUrl) {
  const admin = postgres(adminDbUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`alter system set pg_stat_statements.track_planning = on`;
    await admin`select pg_reload_conf()`;
    await admin`create extension if not exists pg_walinspect with schema extensions`;
  } finally {
    await admin.end();
  }
}

async function tableStats(dbUrl) {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`
      select schemaname || '.' || relname as name, n_tup_ins::bigint as ins, n_tup_upd::bigint as upd,
        n_tup_hot_upd::bigint as hot, n_tup_del::bigint as del
      from pg_stat_user_tables`;
    const rels = await sql`
      select c.relfilenode::bigint as relfilenode, n.nspname || '.' || c.relname as name, c.relkind::text as kind
      from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relfilenode <> 0`;
    return { tables: new Map(rows.map((r) => [r.name, r])), rels: new Map(rels.map((r) => [String(r.relfilenode), r])) };
  } finally {
    await sql.end();
  }
}

/**
 * Starts a meter on database `dbName` (reached at dbUrl); `end()` returns the
 * window's cost. Waits 1.2 s before it starts and before it reads the table
 * counters at the end: a backend flushes them at most once a second, when it
 * goes idle. Statements tagged `bench harness` (the bench's own polling for
 * the end of a run) are left out of DB time, and so is time spent asleep in
 * `pg_sleep`: the local stack's watchdog on pg_cron 1.4 is one DO block a
 * minute that sleeps 50 s between its checks (hosted's pg_cron runs it as
 * an interval job instead), and a window it ended in counted those 50 s as
 * the drain's (5,231 ms per 1,000 jobs in one repetition of a drain of
 * 10,000, beside 340-355 ms for the other two).
 */
export async function startDbMeter({ adminDbUrl, dbUrl, dbName }) {
  const admin = postgres(adminDbUrl, { max: 1, onnotice: () => {} });
  const statements = async () => {
    const [r] = await admin`
      select coalesce(sum(s.total_exec_time), 0)::float8 as exec_ms, coalesce(sum(s.total_plan_time), 0)::float8 as plan_ms,
        coalesce(sum(s.calls), 0)::bigint as calls
      from extensions.pg_stat_statements s join pg_database d on d.oid = s.dbid
      where d.datname = ${dbName} and s.toplevel and s.query not like '%bench harness%' and s.query not like '%pg_sleep%'`;
    return { execMs: r.exec_ms, planMs: r.plan_ms, calls: Number(r.calls) };
  };
  await sleep(1200);
  const before = { stats: await tableStats(dbUrl), st: await statements() };
  // the insert position, not the flushed one: with synchronous_commit off (the test
  // profile) the flushed position lags the commits by up to the WAL writer's delay
  const [{ lsn: lsn0 }] = await admin`select pg_current_wal_lsn()::text as lsn`;
  return {
    async end() {
      // statement counters and the WAL position are current at once; table counters after a flush
      const [{ lsn: lsn1 }] = await admin`select pg_current_wal_lsn()::text as lsn`;
      const st = await statements();
      await sleep(1200);
      // pg_walinspect reads only flushed WAL: by now (1.2 s later) the window is flushed
      const [{ flushed, readable }] = await admin`
        select least(pg_current_wal_flush_lsn(), ${lsn1}::pg_lsn)::text as flushed,
          least(pg_current_wal_flush_lsn(), ${lsn1}::pg_lsn) > ${lsn0}::pg_lsn as readable`;
      const stats = await tableStats(dbUrl);
      const [{ wal }] = await admin`select pg_wal_lsn_diff(${lsn1}::pg_lsn, ${lsn0}::pg_lsn)::bigint as wal`;
      // every record whose first block is in this database, by relation and record type
      // (pg_walinspect refuses an empty range)
      const records = !readable ? [] : await admin`
        with r as (
          select resource_manager as rmgr, record_type, record_length, fpi_length,
            substring(block_ref from ${DB_RE}) as db, substring(block_ref from ${REL_RE}) as relfilenode
          from extensions.pg_get_wal_records_info(${lsn0}::pg_lsn, ${flushed}::pg_lsn))
        select r.relfilenode, r.rmgr, r.record_type, count(*)::bigint as records,
          sum(r.record_length)::bigint as bytes, sum(r.fpi_length)::bigint as fpi
        from r join pg_database d on d.oid::text = r.db
        where d.datname = ${dbName}
        group by 1, 2, 3`;
      await admin.end();
      const tables = [];
      for (const [name, a] of stats.tables) {
        const b = before.stats.tables.get(name) ?? { ins: 0, upd: 0, hot: 0, del: 0 };
        const d = { name, ins: Number(a.ins) - Number(b.ins), upd: Number(a.upd) - Number(b.upd), hot: Number(a.hot) - Number(b.hot), del: Number(a.del) - Number(b.del) };
        if (d.ins || d.upd || d.del) tables.push(d);
      }
      const byRel = new Map();
      let dbWal = 0;
      let dbFpi = 0;
      for (const r of records) {
        const rel = stats.rels.get(r.relfilenode) ?? before.stats.rels.get(r.relfilenode);
        const name = rel ? rel.name : `relfilenode ${r.relfilenode}`;
        const e = byRel.get(name) ?? { name, kind: rel?.kind ?? "?", bytes: 0, fpi: 0, records: 0, indexInserts: 0 };
        e.bytes += Number(r.bytes);
        e.fpi += Number(r.fpi);
        e.records += Number(r.records);
        if (r.rmgr === "Btree" && /^INSERT_(LEAF|POST)/.test(r.record_type)) e.indexInserts += Number(r.records);
        byRel.set(name, e);
        dbWal += Number(r.bytes);
        dbFpi += Number(r.fpi);
      }
      return {
        dbMs: (st.execMs - before.st.execMs) + (st.planMs - before.st.planMs),
        planMs: st.planMs - before.st.planMs,
        statements: st.calls - before.st.calls,
        walBytes: Number(wal),
        dbWalBytes: dbWal,
        dbFpiBytes: dbFpi,
        tables,
        relations: [...byRel.values()],
      };
    },
  };
}

const clockTicks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function procTable() {
  const procs = new Map();
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      // the command name may hold spaces and parentheses: fields start after the last ")"
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      procs.set(Number(pid), { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) });
    } catch { /* the process went away */ }
  }
  return procs;
}

/** CPU seconds so far of the process trees rooted at `roots` (pids). */
export function treeCpuSeconds(roots) {
  const procs = procTable();
  const kids = new Map();
  for (const [pid, p] of procs) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), pid]);
  let ticks = 0;
  const seen = new Set();
  const walk = (pid) => {
    if (seen.has(pid) || !procs.has(pid)) return;
    seen.add(pid);
    const p = procs.get(pid);
    ticks += p.own + p.children;
    for (const k of kids.get(pid) ?? []) walk(k);
  };
  for (const r of roots) walk(r);
  return ticks / clockTicks;
}

/** A CPU meter over process trees and, optionally, this process itself. */
export function startCpuMeter({ roots, self = false }) {
  const t0 = treeCpuSeconds(roots);
  const u0 = process.cpuUsage();
  return {
    end() {
      const tree = treeCpuSeconds(roots) - t0;
      const u = process.cpuUsage(u0);
      return tree + (self ? (u.user + u.system) / 1e6 : 0);
    },
  };
}

/** The postmaster's pid, from its data directory. */
export function postmasterPid(dataDir) {
  return Number(fs.readFileSync(`${dataDir}/postmaster.pid`, "utf8").split("\n")[0]);
}
