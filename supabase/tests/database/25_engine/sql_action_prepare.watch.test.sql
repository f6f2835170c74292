-- scheduler.sql_action_prepare for a watcher whose source is a database
-- function (source.type sql): its poll is prepared by the sql action's rules,
-- as the watcher's owner (role authenticated, the owner's claims), so RLS and
-- EXECUTE decide. User B's watcher over the same function sees only B's rows,
-- B cannot reach A's watcher, and what B may not execute B's watcher cannot
-- poll, even when A's (an admin's, run_as service_role) can.
begin;
\ir ../_helpers/setup.psql
select plan(13);

select tests.seed_users();
create table public.tap_w_notes (id serial primary key, user_id uuid not null, body text);
alter table public.tap_w_notes enable row level security;
grant select on public.tap_w_notes to authenticated, service_role;
create policy "Notes are read by their users" on public.tap_w_notes for select to authenticated using (user_id = (select auth.uid()));
insert into public.tap_w_notes (user_id, body) values (tests.fx('admin'), 'a1'), (tests.fx('admin'), 'a2'), (tests.fx('other'), 'b1');
-- "A's function": what it returns depends on who calls it
create function public.tap_w_my_notes() returns setof public.tap_w_notes language sql stable as $$ select * from public.tap_w_notes order by id $$;
grant execute on function public.tap_w_my_notes() to authenticated;
create function public.tap_w_all_notes() returns setof public.tap_w_notes language sql stable as $$ select * from public.tap_w_notes order by id $$;
revoke execute on function public.tap_w_all_notes() from public, authenticated;
grant execute on function public.tap_w_all_notes() to service_role;

insert into scheduler.tasks (name, type, action_type, action_payload, owner_id, run_at, timeout_seconds) values
  ('a watch', 'scheduled', 'watch', '{"source": {"type": "sql", "function": "public.tap_w_my_notes", "max_response_bytes": 4096}, "key": "id"}',
    tests.fx('admin'), '2031-05-01 00:00:00+00', 9),
  ('b watch', 'scheduled', 'watch', '{"source": {"type": "sql", "function": "public.tap_w_my_notes"}, "key": "id"}',
    tests.fx('other'), '2031-05-01 00:00:00+00', 9),
  ('a service watch', 'scheduled', 'watch', '{"source": {"type": "sql", "function": "public.tap_w_all_notes", "run_as": "service_role"}, "key": "id"}',
    tests.fx('admin'), '2031-05-01 00:00:00+00', 9),
  ('a feed', 'scheduled', 'watch', '{"source": {"type": "http", "url": "https://example.com/feed.json"}}',
    tests.fx('admin'), '2031-05-01 00:00:00+00', 9);
select tests.remember(name, id) from scheduler.tasks where name in ('a watch', 'b watch', 'a service watch', 'a feed');

-- B cannot reach A's watchers, nor poll what only service_role executes
select tests.authenticate_as('other');
select throws_ok($$ select scheduler.run_task_now(tests.fx('a service watch')) $$, 'P0002', null, 'B cannot run A''s watcher');
select is(tests.rows_affected($$ update scheduler.tasks set owner_id = tests.fx('other') where id = tests.fx('a watch') $$), 0,
  'nor take it over');
select throws_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('b all', 'manual', 'watch',
  '{"source": {"type": "sql", "function": "public.tap_w_all_notes"}}') $$, '42501', null,
  'B''s own watcher cannot poll a function B may not execute');
select throws_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('b all', 'manual', 'watch',
  '{"source": {"type": "sql", "function": "public.tap_w_all_notes", "run_as": "service_role"}}') $$, '42501',
  'source.run_as: only an admin may make a task run as service_role, or change one that does', 'nor as service_role');
select tests.clear_authentication();

select tests.claim('2031-05-01 00:00:00+00', 'w1');
select is(array_agg(tests.gate(r.id, '2031-05-01 00:00:00+00', 'w1') order by r.id), array['started', 'started', 'started', 'started'], 'the four polls start')
from scheduler.task_runs r where r.task_id in (tests.fx('a watch'), tests.fx('b watch'), tests.fx('a service watch'), tests.fx('a feed'));
-- the first call of the session prepares a service_role poll: no owner's claims are read for it, yet it plans
select is((select (p.state, p.run_as)::text from scheduler.task_runs r cross join lateral scheduler.sql_action_prepare(r.id, 'w1') p
           where r.task_id = tests.fx('a service watch')), '(ready,service_role)',
  'a service_role poll is prepared even as the session''s first');
create temp table prepared on commit drop as
select t.name, p.*, r.id as run_id
from scheduler.task_runs r join scheduler.tasks t on t.id = r.task_id
cross join lateral scheduler.sql_action_prepare(r.id, 'w1') p
where r.task_id in (tests.fx('a watch'), tests.fx('b watch'), tests.fx('a service watch'), tests.fx('a feed'));
grant select on pg_temp.prepared to authenticated, service_role;

select is((select (state, run_as, claims ->> 'sub', claims ->> 'role', timeout_ms, function_signature)::text from prepared where name = 'a watch'),
  format('(ready,authenticated,%s,authenticated,9000,"public.tap_w_my_notes()")', tests.fx('admin')),
  'a poll is prepared as the watcher''s owner, timeout_seconds as the statement timeout');
select is((select array_agg(max_output_bytes order by name) from prepared where name in ('a watch', 'b watch')), array[4096, 1048576],
  'the result is bounded by the source''s max_response_bytes (1 MiB by default)');
select is((select (state, error)::text from prepared where name = 'a feed'),
  '(refused,"the task''s action is watch, not sql (nor a watcher with source.type sql)")', 'an http watcher has no call to prepare');

-- the prepared call, run as the prepared identity (what the watch action does)
create function pg_temp.call_as(p_name text) returns jsonb language plpgsql as $$
declare p record; v jsonb; v_path text := current_setting('search_path');
begin
  select * into p from pg_temp.prepared where name = p_name;
  perform set_config('request.jwt.claims', p.claims::text, true), set_config('search_path', p.search_path, true), set_config('role', p.run_as, true);
  execute 'select to_jsonb(c) from (' || p.call || ') c' into v using p.args::text, p.max_output_bytes;
  perform set_config('role', 'postgres', true), set_config('request.jwt.claims', '', true), set_config('search_path', v_path, true);
  return v;
end $$;
select is((select array_agg(n ->> 'body' order by n ->> 'body') from jsonb_array_elements(pg_temp.call_as('a watch') -> 'result') n),
  array['a1', 'a2'], 'A''s watcher sees A''s rows only (RLS applies)');
select is((select array_agg(n ->> 'body') from jsonb_array_elements(pg_temp.call_as('b watch') -> 'result') n),
  array['b1'], 'B''s watcher over the same function sees B''s rows only');
select is(jsonb_array_length(pg_temp.call_as('a service watch') -> 'result'), 3, 'an admin''s service_role watcher reads past RLS, as a sql task would');

-- a grant revoked since the watcher was written: the database's own error at the poll
revoke execute on function public.tap_w_my_notes() from public, authenticated;
select throws_ok($$ select pg_temp.call_as('b watch') $$, '42501', 'permission denied for function tap_w_my_notes',
  'a function the owner may no longer execute fails the poll with the database''s own error');

select * from finish();
rollback;
