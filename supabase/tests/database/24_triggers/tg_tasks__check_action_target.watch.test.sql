-- scheduler_internal.tg_tasks__check_action_target for a watcher whose source
-- is a database function (source.type sql): the sql task's write-time checks
-- on its source, each message naming source.function or source.args: an
-- unknown function, one the owner may not execute, arguments its signature
-- does not take or cannot convert, a schema outside sql_action_schemas. On
-- insert and on update; an http watcher is not looked at.
begin;
\ir ../_helpers/setup.psql
select plan(12);

select tests.seed_users();
create function public.tap_w_orders(p_since date, p_limit integer default 50) returns setof integer
language sql stable as $$ select 1 $$;
create function public.tap_w_private() returns integer language sql as $$ select 1 $$;
revoke execute on function public.tap_w_private() from public, authenticated;
grant execute on function public.tap_w_private() to service_role;
create schema tap_w_hidden;
create function tap_w_hidden.f() returns integer language sql as $$ select 1 $$;
grant usage on schema tap_w_hidden to authenticated;
grant execute on function tap_w_hidden.f() to authenticated;

create function pg_temp.watch(p_source jsonb) returns void language sql as $$
  insert into scheduler.tasks (name, type, action_type, action_payload) values ('fn watcher', 'manual', 'watch', jsonb_build_object('source', p_source))
$$;

select tests.authenticate_as('owner');
select lives_ok($$ select pg_temp.watch('{"type": "sql", "function": "public.tap_w_orders", "args": {"p_since": "2026-12-01"}}') $$,
  'a function the owner may execute, with arguments its signature takes');
select lives_ok($$ select pg_temp.watch('{"type": "sql", "function": "public.tap_w_orders", "args": {"p_since": "{{watcher.last_success_at}}", "p_limit": 10}}') $$,
  'a template is typed at the poll, not when written');
select throws_ok($$ select pg_temp.watch('{"type": "sql", "function": "public.tap_w_nope"}') $$, '42883',
  'invalid action_payload for watch: source.function: public.tap_w_nope does not exist', 'an unknown function is named');
select throws_ok($$ select pg_temp.watch('{"type": "sql", "function": "public.tap_w_private"}') $$, '42501',
  'invalid action_payload for watch: source.function: the task''s owner (role authenticated) may not execute public.tap_w_private() (grant execute on function public.tap_w_private() to authenticated)',
  'a function the owner may not execute is refused, saying which grant is missing');
select throws_ok($$ select pg_temp.watch('{"type": "sql", "function": "public.tap_w_orders", "args": {"p_limit": 5}}') $$, '22023',
  'invalid action_payload for watch: source.args: do not match public.tap_w_orders: public.tap_w_orders(date,integer) needs p_since',
  'a required argument left out is named');
select throws_ok($$ select pg_temp.watch('{"type": "sql", "function": "public.tap_w_orders", "args": {"p_since": "2026-12-01", "p_until": 1}}') $$, '22023',
  'invalid action_payload for watch: source.args: do not match public.tap_w_orders: public.tap_w_orders(date,integer) takes no argument p_until',
  'an argument the signature does not take is named');
select throws_ok($$ select pg_temp.watch('{"type": "sql", "function": "public.tap_w_orders", "args": {"p_since": "someday", "p_limit": "many"}}') $$, '22023',
  'invalid action_payload for watch: source.args.p_since: invalid input syntax for type date: "someday" (the parameter is date); source.args.p_limit: invalid input syntax for type integer: "many" (the parameter is integer)',
  'each argument that does not convert to its parameter''s type is named');
select throws_like($$ select pg_temp.watch('{"type": "sql", "function": "tap_w_hidden.f"}') $$,
  'invalid action_payload for watch: source.function: schema tap_w_hidden is not one a sql task may call (the sql_action_schemas setting lists public)%',
  'a schema outside sql_action_schemas is refused, naming the setting');
select throws_like($$ select pg_temp.watch('{"type": "sql", "function": "pg_catalog.pg_sleep"}') $$,
  '%source.function: pg_catalog.pg_sleep is in a system schema%', 'a system function is never a source');

-- an update is checked as an insert is: B cannot point their watcher at what only service_role runs
select pg_temp.watch('{"type": "sql", "function": "public.tap_w_orders", "args": {"p_since": "2026-12-01"}}');
select throws_ok($$ update scheduler.tasks set action_payload = '{"source": {"type": "sql", "function": "public.tap_w_private"}}'
  where name = 'fn watcher' and owner_id = (select auth.uid()) $$, '42501', null, 'an update to a function the owner may not execute is refused');
select lives_ok($$ select pg_temp.watch('{"type": "http", "url": "https://example.com/feed"}') $$, 'an http watcher is not looked at');
select tests.clear_authentication();

-- the owner's grants decide, whoever writes: service work writing B's watcher is held to them
select throws_like($$ insert into scheduler.tasks (name, type, action_type, action_payload, owner_id)
  values ('for other', 'manual', 'watch', '{"source": {"type": "sql", "function": "public.tap_w_private"}}', tests.fx('other')) $$,
  '%may not execute public.tap_w_private()%', 'a watcher written for another user runs as that user, held to their grants');

select * from finish();
rollback;
