-- scheduler_internal.tg_tasks__check_action_target: what a sql or
-- edge-function payload names is checked when the task is written, with a
-- message naming the field: an unknown function, one the owner may not
-- execute, arguments its signature does not take, a schema outside
-- sql_action_schemas; an Edge Function outside edge_function_allowlist for a
-- non-admin (the message names the setting), and never the scheduler's own.
begin;
\ir ../_helpers/setup.psql
select plan(20);

select tests.seed_users();
create function public.tap_close_day(p_day date, p_force boolean default false) returns integer
language sql as $$ select 1 $$;
create function public.tap_private() returns integer language sql as $$ select 1 $$;
revoke execute on function public.tap_private() from public, authenticated;
grant execute on function public.tap_private() to service_role;
create function public.tap_whole(jsonb) returns jsonb language sql as $$ select $1 $$;
create function public.tap_ov(x integer) returns text language sql as $$ select 'int' $$;
create function public.tap_ov(x text) returns text language sql as $$ select 'text' $$;
create schema tap_hidden;
create function tap_hidden.f() returns integer language sql as $$ select 1 $$;
grant usage on schema tap_hidden to authenticated;
grant execute on function tap_hidden.f() to authenticated;


select tests.authenticate_as('owner');
select lives_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "public.tap_close_day", "args": {"p_day": "2026-12-01"}}') $$,
  'a function the owner may execute, with its required argument, is accepted (the default may be left out)');
select lives_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "public.tap_close_day", "args": {"p_day": "2026-12-01", "p_force": true}}') $$,
  'and with every argument');
select lives_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "public.tap_whole", "args": {"anything": [1, 2]}}') $$,
  'a function of one unnamed jsonb parameter takes the args object whole, as rpc() gives it the body');
select throws_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "public.tap_nope"}') $$, '42883',
  'invalid action_payload for sql: function: public.tap_nope does not exist', 'an unknown function is named');
select throws_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "public.tap_private"}') $$, '42501',
  'invalid action_payload for sql: function: the task''s owner (role authenticated) may not execute public.tap_private() (grant execute on function public.tap_private() to authenticated)',
  'a function the owner may not execute is refused, saying what grant is missing');
select throws_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "public.tap_close_day", "args": {"p_force": true}}') $$, '22023',
  'invalid action_payload for sql: args: do not match public.tap_close_day: public.tap_close_day(date,boolean) needs p_day',
  'a missing argument is named');
select throws_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "public.tap_close_day", "args": {"p_day": "2026-12-01", "p_when": 1}}') $$, '22023',
  'invalid action_payload for sql: args: do not match public.tap_close_day: public.tap_close_day(date,boolean) takes no argument p_when',
  'an argument the function does not take is named');
select throws_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "public.tap_close_day", "args": {"p_day": "someday"}}') $$, '22023',
  'invalid action_payload for sql: args.p_day: invalid input syntax for type date: "someday" (the parameter is date)',
  'an argument that does not convert to its parameter''s type is named, with the type');
select throws_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "public.tap_ov", "args": {"x": 1}}') $$, '22023',
  null, 'arguments that fit two overloads are refused as ambiguous');
select throws_like($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "tap_hidden.f"}') $$,
  '%schema tap_hidden is not one a sql task may call (the sql_action_schemas setting lists public)%',
  'a schema outside sql_action_schemas is refused, naming the setting');
select throws_like($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "pg_catalog.pg_sleep", "args": {"x": 1}}') $$,
  '%function: pg_catalog.pg_sleep is in a system schema%', 'system schemas are never callable');
select throws_like($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "public.tap_close_day", "args": {"p_day": 1}, "run_as": "postgres"}') $$,
  '%run_as: must be one of owner, service_role%', 'the payload''s shape is checked first');
select tests.clear_authentication();

-- the setting opens another schema
update scheduler_internal.settings set value = '["public", "tap_hidden"]' where key = 'sql_action_schemas';
select tests.authenticate_as('owner');
select lives_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('sql task', 'manual', 'sql', '{"function": "tap_hidden.f"}') $$, 'a schema the setting lists is callable');

-- the edge-function action: an allow-list for non-admins (empty as installed)
select tests.clear_authentication();
update scheduler_internal.settings set value = '[]' where key = 'edge_function_allowlist';
select tests.authenticate_as('owner');
select throws_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('edge task', 'manual', 'edge-function', '{"function": "send-digest"}') $$, '42501',
  'invalid action_payload for edge-function: function: send-digest is not in the edge_function_allowlist setting (it is empty); only an admin may name another function',
  'a non-admin naming a function outside the allow-list is refused, naming the setting');
select throws_like($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('edge task', 'manual', 'edge-function', '{"function": "dispatcher"}') $$, '%dispatcher is one of the scheduler''s own functions%',
  'the scheduler''s own functions are never a target');
select tests.clear_authentication();
update scheduler_internal.settings set value = '["send-digest"]' where key = 'edge_function_allowlist';
select tests.authenticate_as('owner');
select lives_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('edge task', 'manual', 'edge-function', '{"function": "send-digest"}') $$, 'a listed function is accepted');
select throws_like($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('edge task', 'manual', 'edge-function', '{"function": "other-fn"}') $$, '%other-fn is not in the edge_function_allowlist setting (send-digest)%',
  'the message lists what the setting allows');
select tests.authenticate_as('admin');
select lives_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('edge task', 'manual', 'edge-function', '{"function": "other-fn"}') $$, 'an admin may name any function of the project');
select throws_like($$ insert into scheduler.tasks (name, type, action_type, action_payload) values ('edge task', 'manual', 'edge-function', '{"function": "sql"}') $$, '%one of the scheduler''s own functions%', 'but not one of the scheduler''s');
select tests.clear_authentication();

-- an admin writing for a non-admin owner: the owner is whom the calls are for
select throws_like($$
  insert into scheduler.tasks (name, type, action_type, action_payload, owner_id)
  values ('for owner', 'manual', 'edge-function', '{"function": "other-fn"}', tests.fx('owner')) $$,
  '%other-fn is not in the edge_function_allowlist setting, and the task''s owner is not an admin%',
  'service work writing a task for a non-admin is held to the allow-list too');

select * from finish();
rollback;
