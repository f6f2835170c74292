-- scheduler_internal.tg__audit: what is audited (tasks, their dependencies
-- and shares, approvals, profiles, owner limits, MCP servers) and how: changed columns only, the actor
-- from auth.uid() or 'system', the engine's bookkeeping left out.
begin;
\ir ../_helpers/setup.psql
select plan(8);

select set_eq($$
  select distinct c.relname::text from pg_trigger t join pg_class c on c.oid = t.tgrelid
  where t.tgfoid = 'scheduler_internal.tg__audit()'::regprocedure
$$, array['tasks', 'task_dependencies', 'task_permissions', 'approvals', 'profiles', 'owner_limits', 'mcp_servers'],
  'tasks, task_dependencies, task_permissions, approvals, profiles, owner_limits and mcp_servers are audited, and only they');

select tests.seed_users();
select tests.mk_task('a');
select tests.mk_task('b');
insert into scheduler.task_dependencies (task_id, depends_on_task_id) values (tests.fx('a'), tests.fx('b'));

select tests.authenticate_as('owner');
update scheduler.tasks set description = 'new words' where id = tests.fx('a');
select tests.clear_authentication();
select is((select new_values from scheduler.audit_trail where entity_id = tests.fx('a') and action = 'update' order by created_at desc limit 1),
  '{"description": "new words"}'::jsonb, 'an update records only the changed columns');
select is((select old_values from scheduler.audit_trail where entity_id = tests.fx('a') and action = 'update' order by created_at desc limit 1),
  '{"description": null}'::jsonb, 'and their old values');
select is((select actor from scheduler.audit_trail where entity_id = tests.fx('a') and action = 'update' order by created_at desc limit 1),
  tests.fx('owner')::text, 'the actor is auth.uid()');
update scheduler.tasks set description = 'by the system' where id = tests.fx('a');
select is((select actor from scheduler.audit_trail where entity_id = tests.fx('a') and new_values = '{"description": "by the system"}'),
  'system', 'service work is recorded as system');
update scheduler.tasks set next_run_at = '2040-01-01', last_run_at = now() where id = tests.fx('a');
select is((select count(*)::int from scheduler.audit_trail where entity_id = tests.fx('a') and action = 'update' and new_values ? 'next_run_at'), 0,
  'the engine''s next_run_at and last_run_at bookkeeping is not audited');
select ok(exists (select 1 from scheduler.audit_trail where entity_type = 'task_dependencies' and action = 'insert' and entity_id = tests.fx('a')),
  'dependencies are audited');
select ok(exists (select 1 from scheduler.audit_trail where entity_type = 'profiles' and entity_id = tests.fx('owner')),
  'profiles are audited');

select * from finish();
rollback;
