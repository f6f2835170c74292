// The sql and edge-function actions through the real minute tick on the
// running test stack: pg_cron → pg_net → the dispatcher → the sql and
// edge-function functions behind the gateway → the start gate and the
// recorder. A sql task calls a database function as its owner (the row it
// writes is the owner's, under RLS); an edge-function task calls the
// example function hello-scheduler, which answers only calls signed for
// their owner.
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect, waitFor } from "../helpers/stack.ts";

const admin = connect(process.env.SUPABASE_ADMIN_DB_URL, 2);
const MINUTE = 60_000;
let userId = "";
let allowlistBefore: unknown;
const tasks: Record<string, string> = {};

beforeAll(async () => {
  [{ id: userId }] = await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`e2e-actions-${Date.now()}@test.local`}) returning id`;
  await admin.unsafe(`
    create table public.e2e_action_visits (id serial primary key, user_id uuid not null default auth.uid(), who text default current_user);
    alter table public.e2e_action_visits enable row level security;
    grant select, insert on public.e2e_action_visits to authenticated;
    grant usage on sequence public.e2e_action_visits_id_seq to authenticated;
    create policy e2e_own on public.e2e_action_visits for all to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
    create function public.e2e_action_visit(p_note text) returns jsonb language sql as $$
      insert into public.e2e_action_visits default values returning jsonb_build_object('user_id', user_id, 'who', who, 'note', p_note)
    $$;
    grant execute on function public.e2e_action_visit(text) to authenticated;`);
  [{ value: allowlistBefore }] = await admin`select value from scheduler_internal.settings where key = 'edge_function_allowlist'`;
  await admin`update scheduler_internal.settings set value = '["hello-scheduler"]' where key = 'edge_function_allowlist'`;
  // written as the user would (supabase-js: role authenticated with their claims)
  await admin.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true)`;
    for (const [name, action_type, action_payload] of [
      ["e2e sql", "sql", { function: "public.e2e_action_visit", args: { p_note: "{{task.name}}" } }],
      ["e2e edge-function", "edge-function", { function: "hello-scheduler", body: { due: "{{run.scheduled_time}}" } }],
    ] as const) {
      const [{ id }] = await tx`insert into scheduler.tasks (name, schedule_cron, action_type, action_payload, timeout_seconds)
        values (${name}, '* * * * *', ${action_type}, ${tx.json(action_payload as never)}, 20) returning id`;
      tasks[name] = id;
    }
  });
}, 60_000);

afterAll(async () => {
  await admin`update scheduler_internal.settings set value = ${admin.json(allowlistBefore as never)} where key = 'edge_function_allowlist'`;
  if (userId) await admin`delete from auth.users where id = ${userId}`;
  await admin.unsafe("drop table if exists public.e2e_action_visits cascade; drop function if exists public.e2e_action_visit(text)");
  await admin.end();
});

const firstFinished = (name: string) => waitFor(`the first run of ${name}`, async () => {
  const [run] = await admin`select id, status, error_message, output, scheduled_time, start_time from scheduler.task_runs
    where task_id = ${tasks[name]} and status in ('completed', 'failed', 'skipped') order by scheduled_time limit 1`;
  return run;
}, 2 * MINUTE + 30_000, 500);

test("a sql task and an edge-function task run at their minute, through the real tick", async () => {
  const [sqlRun, edgeRun] = await Promise.all([firstFinished("e2e sql"), firstFinished("e2e edge-function")]);

  expect(sqlRun.error_message).toBeNull();
  expect(sqlRun.status).toBe("completed");
  expect(sqlRun.scheduled_time.getUTCSeconds()).toBe(0);
  expect(sqlRun.start_time.getTime() - sqlRun.scheduled_time.getTime()).toBeLessThan(5_000);
  expect(sqlRun.output).toMatchObject({ role: "authenticated", result: { user_id: userId, who: "authenticated", note: "e2e sql" } });
  const visits = await admin`select user_id, who from public.e2e_action_visits`;
  expect(visits[0]).toEqual({ user_id: userId, who: "authenticated" });

  expect(edgeRun.error_message).toBeNull();
  expect(edgeRun.status).toBe("completed");
  expect(edgeRun.output).toMatchObject({ function: "hello-scheduler", status: 200 });
  expect(JSON.parse(edgeRun.output.body)).toMatchObject({ hello: userId, run_id: edgeRun.id, body: { due: edgeRun.scheduled_time.toISOString() } });
}, 3 * MINUTE);
