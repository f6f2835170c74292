// The package as a user gets it: `npm pack`, installed from the tarball into a
// copy of the fixture existing app (fixture-app/: its own profiles with a
// signup trigger on auth.users, tasks, notifications, events, projects, a
// private schema, its own notify and hello functions, a top-level shared/ that
// hello imports, its own migration, seed and pgTAP test), in a folder of mode
// 0700 the postgres OS user cannot enter. Then `install`, `start`, the app's
// functions and the scheduler's through one gateway, a scheduler task through
// the real minute tick, `test`, and `uninstall`.
//
// Its stacks are the fixture's own: STACK_PORT_BASE is moved 50 above this
// run's (dev on base+51/52, test on base+61/62), so they never meet this
// repository's dev, test, bench or schema-sync clusters (base+1 … base+42).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { anonKey } from "../../scripts/lib/keys.mjs";
import { waitFor } from "../helpers/stack.ts";
import { cleanEnv, cli, type CliResult, copyFixture, fixtureApp, snapshot } from "./helpers.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const testApiPort = Number(new URL(process.env.SUPABASE_URL ?? "http://127.0.0.1:54331").port);
const portBase = testApiPort - 11 + 50;
const apiUrl = `http://127.0.0.1:${portBase + 1}`;
const adminDbUrl = `postgresql://supabase_admin:postgres@127.0.0.1:${portBase + 2}/postgres`;
const env = cleanEnv({ STACK_PORT_BASE: String(portBase) });
const TICK_WAIT = 150_000;

let work = "";
let app = "";
let bin = "";
let installed: CliResult;
let started: CliResult;
let dataDirs: string[] = [];
let db: postgres.Sql;
const original = snapshot(fixtureApp);

const run = (args: string[], timeout?: number) => cli(bin, args, app, env, timeout);

beforeAll(() => {
  app = copyFixture("existing-app-e2e-");
  work = path.dirname(app);
  const pack = spawnSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: repoRoot, encoding: "utf8" });
  expect(pack.status, pack.stderr).toBe(0);
  const tarball = path.join(work, pack.stdout.trim().split("\n").at(-1)!);
  // --no-save: the app's package.json stays as it was, so every app file can be compared
  const npm = spawnSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: app, encoding: "utf8", env });
  expect(npm.status, npm.stderr).toBe(0);
  bin = path.join(app, "node_modules/supabase-task-scheduler/bin/supabase-task-scheduler.mjs");
}, 240_000);

afterAll(async () => {
  await db?.end();
  if (bin) {
    run(["stop"]);
    run(["stop", "test"]);
  }
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  if (work) fs.rmSync(work, { recursive: true, force: true });
}, 120_000);

describe("an existing app, from the packed tarball", () => {
  test("the tarball carries the runtime, not the benchmarks' peers", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(app, "node_modules/supabase-task-scheduler/package.json"), "utf8"));
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(["deno", "supabase", "smol-toml", "postgres", "zod", "jose", "ipaddr.js"]));
    expect(Object.keys(pkg.dependencies)).not.toContain("graphile-worker");
    expect(Object.keys(pkg.dependencies)).not.toContain("pg-boss");
    expect(fs.existsSync(path.join(app, "node_modules/graphile-worker"))).toBe(false);
    expect(fs.existsSync(path.join(app, "node_modules/pg-boss"))).toBe(false);
    expect(fs.existsSync(path.join(app, "node_modules/supabase-task-scheduler/tests"))).toBe(false);
  });

  test("install, then a second install that changes nothing", () => {
    installed = run(["install"]);
    expect(installed.status, installed.output).toBe(0);
    expect(installed.stdout).toContain("supabase/functions/scheduler-notify");
    const after = snapshot(app);
    const again = run(["install"]);
    expect(again.status, again.output).toBe(0);
    expect(again.stdout).toContain("nothing was changed");
    expect(snapshot(app)).toEqual(after);
  });

  test("start brings the stack up from a folder the postgres user cannot enter, and says where the cluster went", async () => {
    expect((fs.statSync(app).mode & 0o777).toString(8)).toBe("700");
    started = run(["start"], 240_000);
    expect(started.status, started.output).toBe(0);
    const data = /^\s*Data: (\S+)\/ \(cluster, logs: outside the project, which the postgres OS user cannot reach\)$/m.exec(started.stdout);
    expect(data, started.stdout).not.toBeNull();
    // dev/ and test/ of this project's folder under the postgres user's home
    dataDirs = [data![1], path.dirname(data![1])];
    expect(fs.existsSync(path.join(data![1], "pgdata/PG_VERSION"))).toBe(true);
    expect(started.stdout).toContain("Seeded the database (supabase/seed.sql)");
    db = postgres(adminDbUrl, { max: 2, onnotice: () => {} });
  }, 300_000);

  test("every file of the app is byte-identical after install and start (config.toml only gained the scheduler's sections)", () => {
    const now = snapshot(app);
    for (const [rel, hash] of Object.entries(original)) {
      if (rel !== "supabase/config.toml") expect(now[rel], rel).toBe(hash);
    }
    const merged = fs.readFileSync(path.join(app, "supabase/config.toml"), "utf8");
    const before = fs.readFileSync(path.join(fixtureApp, "supabase/config.toml"), "utf8");
    expect(merged.replace('"graphql_public", "scheduler"]', '"graphql_public"]').startsWith(before)).toBe(true);
  });

  test("the app's migration, seed and signup trigger work beside the scheduler's", async () => {
    const [{ n }] = await db`select count(*)::int as n from public.profiles where id = '0a000000-0000-4000-8000-000000000001'`;
    expect(n).toBe(1); // the app's seed, through the app's trigger
    const [{ id }] = await db`insert into auth.users (id, email, raw_user_meta_data, role, aud)
      values (gen_random_uuid(), 'new@existing-app.test', '{"name": "New user"}', 'authenticated', 'authenticated') returning id`;
    const [profile] = await db`select display_name from public.profiles where id = ${id}`;
    expect(profile).toEqual({ display_name: "New user" });
    const [schedulerProfile] = await db`select role from scheduler.profiles where id = ${id}`;
    expect(schedulerProfile).toEqual({ role: "user" });
    const triggers = await db`select tgname from pg_trigger where tgrelid = 'auth.users'::regclass and not tgisinternal order by tgname`;
    expect(triggers.map((t) => t.tgname)).toEqual(expect.arrayContaining(["on_auth_user_created", "scheduler_on_auth_user_created"]));
    await db`delete from auth.users where id = ${id}`;
  });

  test("the app's functions are served through the same gateway, with the app's verify_jwt", async () => {
    expect((await fetch(`${apiUrl}/functions/v1/hello?name=Ada`)).status).toBe(401); // verify_jwt = true
    const hello = await fetch(`${apiUrl}/functions/v1/hello?name=Ada`, { headers: { authorization: `Bearer ${anonKey}` } });
    expect(await hello.json()).toEqual({ message: "Hello, Ada!" }); // from the app's own shared/
    const notify = await fetch(`${apiUrl}/functions/v1/notify`, { method: "POST" }); // verify_jwt = false
    expect(await notify.json()).toEqual({ app: "existing-app", function: "notify", method: "POST" });
    // the scheduler's notify, under its installed name, checks its caller itself
    expect((await fetch(`${apiUrl}/functions/v1/scheduler-notify`, { method: "POST" })).status).toBe(401);
  });

  test("a scheduler task runs end to end through the real minute tick, to the scheduler's notify and not the app's", async () => {
    const owner = "0a000000-0000-4000-8000-000000000001";
    // a one-off due at a minute boundary at least 30 s away: nothing wakes the
    // dispatcher early for it, so only pg_cron's tick can get it run
    const due = new Date(Math.ceil((Date.now() + 30_000) / 60_000) * 60_000);
    const [{ id: taskId, created_at: created }] = await db`insert into scheduler.tasks (name, owner_id, created_by, action_type, run_at, action_payload)
      values ('fixture e2e', ${owner}, ${owner}, 'notify', ${due},
              ${db.json({ channel: "web", title: "From the scheduler", message: "run {{run.id}}" })}) returning id, created_at`;
    const run = await waitFor("the task's run to finish", async () => {
      const [r] = await db`select id, status, triggered_by, scheduled_time, start_time from scheduler.task_runs
        where task_id = ${taskId} and status in ('completed', 'failed') order by created_at limit 1`;
      return r;
    }, TICK_WAIT, 1000);
    expect(run).toMatchObject({ status: "completed", triggered_by: "schedule", scheduled_time: due });
    expect(run.start_time.getTime()).toBeGreaterThanOrEqual(due.getTime());
    const [note] = await db`select title, message from scheduler.notifications where run_id = ${run.id}`;
    expect(note).toEqual({ title: "From the scheduler", message: `run ${run.id}` });
    // a tick started since the insert (pg_cron 1.4 marks the tick succeeded
    // only when the watchdog's minute-long run beside it ends, at :50)
    const [{ ticks }] = await db`select count(*)::int as ticks from cron.job_run_details d join cron.job j using (jobid)
      where j.jobname = 'scheduler-tick' and d.status in ('running', 'succeeded') and d.start_time > ${created}`;
    expect(ticks).toBeGreaterThan(0);
    expect(await db`select 1 from public.notifications`).toHaveLength(0);
    // the gateway saw the app's notify called once (by the test above), the scheduler's by the dispatcher
    const requests = fs.readFileSync(path.join(dataDirs[0], "logs/gateway.log"), "utf8").split("\n").filter(Boolean)
      .map((l) => JSON.parse(l)).filter((r) => r.msg === "request");
    expect(requests.filter((r) => r.path === "/functions/v1/notify")).toHaveLength(1);
    expect(requests.filter((r) => r.path === "/functions/v1/scheduler-notify" && r.status === 202).length).toBeGreaterThan(0);
  }, TICK_WAIT + 20_000);

  test("test runs the app's pgTAP and the scheduler's on a fresh test stack, and passes", () => {
    const out = run(["test"], 600_000);
    expect(out.status, out.output.slice(-4000)).toBe(0);
    expect(out.stdout).toMatch(/^\[pgTAP\] 5 passed, 0 failed$/m);
    expect(out.stdout).toMatch(/^\[pgTAP \(the scheduler's\)\] [1-9]\d* passed, 0 failed$/m);
    expect(out.stdout).toMatch(/^\[deno check \+ lint\] 11 passed, 0 failed$/m);
    expect(out.stdout.trim().split("\n").at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  }, 620_000);

  test("uninstall leaves the app as it was", () => {
    const out = run(["uninstall"]);
    expect(out.status, out.output).toBe(0);
    expect(snapshot(app)).toEqual(original);
    const left = fs.readdirSync(app).filter((f) => f !== "node_modules").sort();
    expect(left).toEqual(fs.readdirSync(fixtureApp).sort());
  });
});
