-- scheduler.sql_action_prepare and the call it prepares: a sql task's run
-- calls its function as the task's owner (role authenticated, the owner's
-- claims), so RLS and EXECUTE decide as for rpc() by that user. User B can
-- never run A's function through a task: not by running A's task, not by
-- editing it, and B's own task calling the same function sees only B's rows.
begin;
\ir ../_helpers/setup.psql
select plan(15);

select tests.seed_users();
create table public.tap_notes (id serial primary key, user_id uuid not null default auth.uid(), body text);
alter table public.tap_notes enable row level security;
grant select, insert on public.tap_notes to authenticated, service_role;
grant usage on sequence public.tap_notes_id_seq to authenticated;
create policy tap_notes_own on public.tap_notes for all to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
insert into public.tap_notes (user_id, body) values (tests.fx('owner'), 'a1'), (tests.fx('owner'), 'a2'), (tests.fx('other'), 'b1');
-- "A's function": what it returns depends on who calls it
create function public.tap_my_notes() returns setof public.tap_notes language sql stable as $$ select * from public.tap_notes order by id $$;
create function public.tap_who() returns jsonb language sql as $$
  select jsonb_build_object('uid', auth.uid(), 'role', current_user, 'email', auth.jwt() ->> 'email', 'run', current_setting('scheduler.run_id', true)) $$;
create function public.tap_service_only() returns integer language sql as $$ select count(*)::int from public.tap_notes $$;
revoke execute on function public.tap_service_only() from public, authenticated;
grant execute on function public.tap_service_only() to service_role;

insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at, timeout_seconds) values
  ('a notes', 'scheduled', 'sql', '{"function": "public.tap_my_notes"}', tests.fx('owner'), '2031-04-01 00:00:00+00', 7),
  ('b notes', 'scheduled', 'sql', '{"function": "public.tap_my_notes"}', tests.fx('other'), '2031-04-01 00:00:00+00', 7),
  ('a who', 'scheduled', 'sql', '{"function": "public.tap_who", "max_output_bytes": 10}', tests.fx('owner'), '2031-04-01 00:00:00+00', 7),
  ('a service', 'scheduled', 'sql', '{"function": "public.tap_service_only", "run_as": "service_role"}', tests.fx('owner'), '2031-04-01 00:00:00+00', 7);
select tests.remember(name, id) from scheduler.tasks where name in ('a notes', 'b notes', 'a who', 'a service');

-- B cannot reach A's task
select tests.authenticate_as('other');
select throws_ok($$ select scheduler.run_task_now(tests.fx('a notes')) $$, 'P0002', null, 'B cannot run A''s task');
select is(tests.rows_affected($$ update scheduler.tasks set action_payload = '{"function": "public.tap_who"}' where id = tests.fx('a notes') $$), 0,
  'nor change what it calls');
select tests.clear_authentication();

select tests.claim('2031-04-01 00:00:00+00', 'w1');
select is(array_agg(tests.gate(r.id, '2031-04-01 00:00:00+00', 'w1') order by r.id), array['started', 'started', 'started', 'started'], 'the four runs start')
from scheduler.task_runs r where r.task_id in (tests.fx('a notes'), tests.fx('b notes'), tests.fx('a who'), tests.fx('a service'));
create temp table prepared on commit drop as
select t.name, p.*, r.id as run_id
from scheduler.task_runs r join scheduler.tasks t on t.id = r.task_id
cross join lateral scheduler.sql_action_prepare(r.id, 'w1') p
where r.task_id in (tests.fx('a notes'), tests.fx('b notes'), tests.fx('a who'), tests.fx('a service'));
grant select on pg_temp.prepared to authenticated, service_role;

select is((select (state, run_as, claims ->> 'sub', claims ->> 'role', claims ->> 'aud', timeout_ms)::text from prepared where name = 'a notes'),
  format('(ready,authenticated,%s,authenticated,authenticated,7000)', tests.fx('owner')),
  'a run is prepared as its owner: role authenticated, their sub, and timeout_seconds as the statement timeout');
select is((select claims ->> 'email' from prepared where name = 'a notes'), (select email::text from auth.users where id = tests.fx('owner')),
  'with the owner''s claims, as in their JWT');
select is((select (run_as, claims)::text from prepared where name = 'a service'), '(service_role,"{""iat"": ' || (select claims ->> 'iat' from prepared where name = 'a service') || ', ""iss"": ""supabase-task-scheduler"", ""role"": ""service_role""}")',
  'a task an admin set to run_as service_role runs as service_role, without a user');
select is((select (state, error)::text from scheduler.sql_action_prepare((select run_id from prepared where name = 'a notes'), 'w2')),
  '(not_running,"not a run w2 started")', 'another worker gets nothing to run');

-- the prepared call, run as the prepared identity (what the sql action does)
create function pg_temp.call_as(p_name text) returns jsonb language plpgsql as $$
declare p record; v jsonb; v_path text := current_setting('search_path');
begin
  select * into p from pg_temp.prepared where name = p_name;
  perform set_config('request.jwt.claims', p.claims::text, true), set_config('search_path', p.search_path, true),
    set_config('scheduler.run_id', p.run_id::text, true), set_config('role', p.run_as, true);
  execute 'select to_jsonb(c) from (' || p.call || ') c' into v using p.args::text, p.max_output_bytes;
  perform set_config('role', 'postgres', true), set_config('request.jwt.claims', '', true), set_config('search_path', v_path, true);
  return v;
end $$;
select is((select array_agg(n ->> 'body' order by n ->> 'body') from jsonb_array_elements(pg_temp.call_as('a notes') -> 'result') n),
  array['a1', 'a2'], 'A''s run sees A''s rows only (RLS applies)');
select is((select array_agg(n ->> 'body') from jsonb_array_elements(pg_temp.call_as('b notes') -> 'result') n),
  array['b1'], 'B''s task calling the same function sees B''s rows only: B never runs A''s function on A''s data');
select is(pg_temp.call_as('a who') -> 'result', 'null'::jsonb, 'a result larger than max_output_bytes is not kept as JSON');
select ok((pg_temp.call_as('a who') ->> 'result_text') like '{"%' and length(pg_temp.call_as('a who') ->> 'result_text') = 10,
  'but its first max_output_bytes as text');
select is(pg_temp.call_as('a service') -> 'result', '3'::jsonb, 'the service_role run may execute what only service_role may, and reads past RLS');

-- grants are the database's at the call: a grant revoked after the task was written fails the run
revoke execute on function public.tap_who() from public, authenticated;
select throws_ok($$ select pg_temp.call_as('a who') $$, '42501', 'permission denied for function tap_who',
  'a function the owner may no longer execute fails with the database''s own error');
select tests.clear_authentication();

-- a banned owner's task calls nothing: they could not call it themselves
update auth.users set banned_until = now() + interval '1 day' where id = tests.fx('owner');
select is((select (state, error like 'the task''s owner is banned until %')::text from scheduler.sql_action_prepare((select run_id from prepared where name = 'a notes'), 'w1')),
  '(refused,t)', 'a banned owner''s run is refused');

-- the function dropped since: refused, final, naming it
drop function public.tap_my_notes();
update auth.users set banned_until = null where id = tests.fx('owner');
select is((select (state, error)::text from scheduler.sql_action_prepare((select run_id from prepared where name = 'b notes'), 'w1')),
  '(refused,"function: public.tap_my_notes does not exist")', 'a function dropped since the task was written is named');

select * from finish();
rollback;
