// The sql action against the real database: runs claimed as the dispatcher
// claims them, posted to the handler, started by the real gate, and what the
// call did and what was recorded read back. The call runs as the task's
// owner (RLS applies), timeout_seconds is its statement timeout, 40001 and
// 40P01 are retried and other errors are final, the result is capped, and
// the run is recorded completed in the call's own transaction: a call that
// did not commit is never recorded completed. Clocks are pinned in 2043.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serviceRoleKey } from "../../../scripts/lib/keys.mjs";
import { connect, stack } from "../../../tests/helpers/stack.ts";
import type { BatchSummary } from "../_shared/action-runner.ts";
import { claimRuns, createTask, createUser } from "../_shared/claims.test-helpers.ts";
import { postgresDb } from "../_shared/db.ts";
import { memoryLogger } from "../_shared/logger.ts";
import { createHandler, type SqlDeps } from "./handler.ts";

const sql = connect();
const admin = connect(stack.adminDbUrl, 2);
let a = "";
let b = "";
let slot = 0;
const nextSlot = () => new Date(Date.UTC(2043, 0, 1, slot++, 0, 0));

beforeAll(async () => {
  a = await createUser(sql, "sql-action-a");
  b = await createUser(sql, "sql-action-b");
  await sql.unsafe(`
    create table public.vt_sql_notes (id serial primary key, user_id uuid not null default auth.uid(), body text, role text default current_user);
    alter table public.vt_sql_notes enable row level security;
    grant select, insert on public.vt_sql_notes to authenticated;
    grant usage on sequence public.vt_sql_notes_id_seq to authenticated;
    create policy vt_sql_notes_own on public.vt_sql_notes for all to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
    create function public.vt_sql_add_note(p_body text) returns jsonb language sql as $$
      insert into public.vt_sql_notes (body) values (p_body)
      returning jsonb_build_object('user_id', user_id, 'role', role, 'uid', auth.uid(), 'run', current_setting('scheduler.run_id', true))
    $$;
    create function public.vt_sql_my_notes() returns setof text language sql stable as $$ select body from public.vt_sql_notes order by id $$;
    create function public.vt_sql_sleep(p_seconds float) returns void language sql as $$ select pg_sleep(p_seconds) $$;
    create function public.vt_sql_fail(p_state text) returns void language plpgsql as $$
    begin
      insert into public.vt_sql_notes (body) values ('before the failure ' || p_state);
      raise exception 'it went wrong' using errcode = p_state, detail = 'some detail', hint = 'some hint';
    end $$;
    create function public.vt_sql_big(p_n integer) returns text language sql as $$ select repeat('é', p_n) $$;
    create function public.vt_sql_cancel_self() returns void language plpgsql as $$
    begin
      insert into public.vt_sql_notes (body) values ('cancelled mid-call');
      -- at the run's own (pinned) time
      perform scheduler.cancel_run(current_setting('scheduler.run_id')::uuid,
        (select r.start_time + interval '1 second' from scheduler.task_runs r where r.id = current_setting('scheduler.run_id')::uuid));
    end $$;
    grant execute on function public.vt_sql_add_note(text), public.vt_sql_my_notes(), public.vt_sql_sleep(float), public.vt_sql_fail(text),
      public.vt_sql_big(integer), public.vt_sql_cancel_self() to authenticated;
  `);
});
afterAll(async () => {
  await sql`delete from auth.users where id = any(${[a, b]})`;
  await sql.unsafe(`drop table if exists public.vt_sql_notes cascade;
    drop function if exists public.vt_sql_add_note(text), public.vt_sql_my_notes(), public.vt_sql_sleep(float), public.vt_sql_fail(text),
      public.vt_sql_big(integer), public.vt_sql_cancel_self()`);
  await sql.end();
  await admin.end();
});

/** Claims the tasks' runs at `now` and posts them to the handler; resolves when the batch is done. */
async function dispatch(now: Date, taskIds: string[], overrides: Partial<SqlDeps> = {}): Promise<BatchSummary> {
  const worker = `sql-test:${crypto.randomUUID()}`;
  const runs = await claimRuns(sql, { now, worker, taskIds });
  expect(runs).toHaveLength(taskIds.length);
  const waited: Promise<unknown>[] = [];
  // the slot's time, moving as real time does (timeouts are real)
  const offset = now.getTime() - Date.now();
  const handler = createHandler({
    db: postgresDb(stack.dbUrl, 5),
    fetch,
    now: () => new Date(Date.now() + offset),
    sleep: async () => {},
    waitUntil: (p) => void waited.push(p),
    logger: memoryLogger(),
    auth: { secretKeys: {}, serviceRoleKey },
    ...overrides,
  });
  const res = await handler(new Request("http://fn/sql", {
    method: "POST", headers: { authorization: `Bearer ${serviceRoleKey}` }, body: JSON.stringify({ worker, runs }),
  }));
  expect(res.status).toBe(202);
  return (await waited[0]) as BatchSummary;
}

const task = (owner: string, payload: unknown, run_at: Date, extra: { timeout_seconds?: number; max_attempts?: number } = {}) =>
  createTask(sql, { owner, action_type: "sql", action_payload: payload, run_at, ...extra });

const runsOf = (taskId: string) =>
  sql`select status, attempt, triggered_by, error_message, output, log_summary from scheduler.task_runs where task_id = ${taskId} order by attempt`;

describe("as the task's owner", () => {
  test("the call runs as the owner (role authenticated, auth.uid() = owner), and its result is the run's output", async () => {
    const now = nextSlot();
    const t = await task(a, { function: "public.vt_sql_add_note", args: { p_body: "from A's task" } }, now);
    const summary = await dispatch(now, [t]);
    expect(summary).toMatchObject({ started: 1, completed: 1, failed: 0 });
    const [run] = await runsOf(t);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({
      function: "public.vt_sql_add_note(text)", role: "authenticated", result_truncated: false,
      result: { user_id: a, uid: a, role: "authenticated" },
    });
    expect(run.output.result.run).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.log_summary).toMatchObject({ function: "public.vt_sql_add_note(text)", role: "authenticated" });
    const [note] = await admin`select user_id, role from public.vt_sql_notes where body = 'from A''s task'`;
    expect(note).toEqual({ user_id: a, role: "authenticated" });
  });

  test("RLS applies: the same function called by A's task and by B's sees each owner's rows only", async () => {
    await admin`insert into public.vt_sql_notes (user_id, body) values (${a}, 'a-only'), (${b}, 'b-only')`;
    const now = nextSlot();
    const ta = await task(a, { function: "public.vt_sql_my_notes" }, now);
    const tb = await task(b, { function: "public.vt_sql_my_notes" }, now);
    await dispatch(now, [ta, tb]);
    const [ra] = await runsOf(ta);
    const [rb] = await runsOf(tb);
    expect(ra.output.result).toContain("a-only");
    expect(ra.output.result).not.toContain("b-only");
    expect(rb.output.result).toEqual(["b-only"]);
  });
});

describe("failures", () => {
  test("timeout_seconds is the statement timeout; a timeout fails for good, naming the timeout", async () => {
    const now = nextSlot();
    const t = await task(a, { function: "public.vt_sql_sleep", args: { p_seconds: 5 } }, now, { timeout_seconds: 1, max_attempts: 2 });
    const started = Date.now();
    await dispatch(now, [t]);
    expect(Date.now() - started).toBeLessThan(4_500);
    const runs = await runsOf(t);
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe("failed");
    expect(runs[0].error_message).toMatch(/^timed out after 1 s \(timeout_seconds, the statement timeout\): SQLSTATE 57014: canceling statement due to statement timeout/);
  });

  test("a serialization failure (40001) and a deadlock (40P01) are retried; the failed call left nothing behind", async () => {
    const now = nextSlot();
    const ser = await task(a, { function: "public.vt_sql_fail", args: { p_state: "40001" } }, now, { max_attempts: 2 });
    const dead = await task(a, { function: "public.vt_sql_fail", args: { p_state: "40P01" } }, now, { max_attempts: 2 });
    await dispatch(now, [ser, dead]);
    for (const t of [ser, dead]) {
      const runs = await runsOf(t);
      expect(runs.map((r) => [r.status, r.attempt, r.triggered_by])).toEqual([["failed", 1, "schedule"], ["queued", 2, "retry"]]);
    }
    expect(await admin`select 1 from public.vt_sql_notes where body like 'before the failure 40%'`).toHaveLength(0);
  });

  test("other errors are final, with SQLSTATE, message, detail and hint", async () => {
    const now = nextSlot();
    const t = await task(a, { function: "public.vt_sql_fail", args: { p_state: "P0001" } }, now, { max_attempts: 3 });
    await dispatch(now, [t]);
    const runs = await runsOf(t);
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe("failed");
    expect(runs[0].error_message).toBe("SQLSTATE P0001: it went wrong; detail: some detail; hint: some hint");
    expect(runs[0].output.error).toEqual({ sqlstate: "P0001", message: "it went wrong", detail: "some detail", hint: "some hint" });
    expect(await admin`select 1 from public.vt_sql_notes where body = 'before the failure P0001'`).toHaveLength(0);
  });

  test("a grant revoked after the task was written fails the run with the database's own 42501", async () => {
    await admin`create function public.vt_sql_revoked() returns integer language sql as $$ select 1 $$`;
    try {
      const now = nextSlot();
      const t = await task(a, { function: "public.vt_sql_revoked" }, now);
      await admin`revoke execute on function public.vt_sql_revoked() from public, authenticated`;
      await dispatch(now, [t]);
      const [run] = await runsOf(t);
      expect(run.status).toBe("failed");
      expect(run.error_message).toBe("SQLSTATE 42501: permission denied for function vt_sql_revoked");
    } finally {
      await admin`drop function public.vt_sql_revoked()`;
    }
  });
});

describe("output and commit", () => {
  test("a result larger than max_output_bytes keeps its first bytes as text, cut on a character", async () => {
    const now = nextSlot();
    const t = await task(a, { function: "public.vt_sql_big", args: { p_n: 1000 }, max_output_bytes: 101 }, now);
    await dispatch(now, [t]);
    const [run] = await runsOf(t);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ result: null, result_truncated: true, result_bytes: 2002 });
    expect(Buffer.byteLength(run.output.result_text)).toBeLessThanOrEqual(101);
    expect(run.output.result_text).toMatch(/^"é+$/);
  });

  test("a call whose run is no longer its worker's to record is rolled back, never recorded completed", async () => {
    // the function cancels its own run inside the call's transaction: the
    // completion then finds it cancelled, so the whole transaction (the
    // function's write and that cancel with it) is rolled back
    const now = nextSlot();
    const t = await task(a, { function: "public.vt_sql_cancel_self" }, now);
    const summary = await dispatch(now, [t]);
    expect(summary.completed).toBe(0);
    const [run] = await runsOf(t);
    expect(run.status).toBe("failed");
    expect(run.error_message).toMatch(/^rolled back: the run was no longer this worker's to record/);
    expect(await admin`select 1 from public.vt_sql_notes where body = 'cancelled mid-call'`).toHaveLength(0);
  });
});
