-- scheduler_internal.tg_tasks__guard_run_as: a sql task runs as its owner;
-- only an admin (or service work) makes one run as service_role, or changes
-- one that does, and the audit trail shows who did. A watcher whose source is
-- a database function is held to the same rule (source.run_as).
begin;
\ir ../_helpers/setup.psql
select plan(12);

select tests.seed_users();
create function public.tap_admin_only() returns integer language sql as $$ select 1 $$;
revoke execute on function public.tap_admin_only() from public, authenticated;
grant execute on function public.tap_admin_only() to service_role;
create function public.tap_anyone(p integer default 1) returns integer language sql as $$ select p $$;

select tests.authenticate_as('owner');
select throws_ok($$
  insert into scheduler.tasks (name, type, action_type, action_payload)
  values ('escalate', 'manual', 'sql', '{"function": "public.tap_admin_only", "run_as": "service_role"}') $$,
  '42501', 'run_as: only an admin may make a task run as service_role, or change one that does',
  'a non-admin cannot ask for service_role (and hears that before anything else)');
insert into scheduler.tasks (name, type, action_type, action_payload)
values ('mine', 'manual', 'sql', '{"function": "public.tap_anyone"}');
select tests.clear_authentication();
select tests.remember('mine', (select id from scheduler.tasks where name = 'mine'));

select tests.authenticate_as('owner');
select throws_ok($$ update scheduler.tasks set action_payload = action_payload || '{"run_as": "service_role"}' where id = tests.fx('mine') $$,
  '42501', null, 'nor turn an own task into one');

select tests.authenticate_as('admin');
select lives_ok($$ update scheduler.tasks set action_payload = '{"function": "public.tap_admin_only", "run_as": "service_role"}' where id = tests.fx('mine') $$,
  'an admin may, for a task of someone else, with a function only service_role executes');
select is((select a.user_id from scheduler.audit_trail a where a.entity_id = tests.fx('mine') and a.action = 'update'
           and a.new_values -> 'action_payload' ->> 'run_as' = 'service_role'), tests.fx('admin'),
  'the audit trail records the admin who set it');

select tests.authenticate_as('owner');
select throws_ok($$ update scheduler.tasks set action_payload = action_payload || '{"function": "public.tap_anyone"}' where id = tests.fx('mine') $$,
  '42501', null, 'the owner cannot change what a service_role task runs');
select lives_ok($$ update scheduler.tasks set is_active = false, description = 'paused' where id = tests.fx('mine') $$,
  'but may pause it and edit what does not decide the call');
select lives_ok($$ update scheduler.tasks set action_payload = '{"function": "public.tap_anyone"}' where id = tests.fx('mine') $$,
  'and may take it back to running as themselves');
select tests.clear_authentication();
select lives_ok($$ insert into scheduler.tasks (name, type, action_type, action_payload, owner_id)
  values ('service', 'manual', 'sql', '{"function": "public.tap_admin_only", "run_as": "service_role"}', tests.fx('owner')) $$,
  'service work may set it');

-- a watcher polling a function: the same rule, naming source.run_as
select tests.authenticate_as('owner');
select throws_ok($$
  insert into scheduler.tasks (name, type, action_type, action_payload)
  values ('escalating watcher', 'manual', 'watch', '{"source": {"type": "sql", "function": "public.tap_admin_only", "run_as": "service_role"}}') $$,
  '42501', 'source.run_as: only an admin may make a task run as service_role, or change one that does',
  'a non-admin''s watcher cannot poll as service_role');
select tests.authenticate_as('admin');
select lives_ok($$
  insert into scheduler.tasks (name, type, action_type, action_payload)
  values ('admin watcher', 'manual', 'watch', '{"source": {"type": "sql", "function": "public.tap_admin_only", "run_as": "service_role"}}') $$,
  'an admin''s may, over a function only service_role executes');
select is((select a.user_id from scheduler.audit_trail a join scheduler.tasks t on t.id = a.entity_id
           where t.name = 'admin watcher' and a.action = 'insert'), tests.fx('admin'),
  'and the audit trail records it');

select tests.authenticate_as('admin');
select throws_like($$ insert into scheduler.tasks (name, type, action_type, action_payload)
  values ('owner-run', 'manual', 'sql', '{"function": "public.tap_admin_only"}') $$,
  '%the task''s owner (role authenticated) may not execute public.tap_admin_only()%',
  'without run_as, even an admin''s task runs as its owner and is held to the owner''s grants');
select tests.clear_authentication();

select * from finish();
rollback;
