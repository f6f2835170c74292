-- The enum types: their labels, in order (shared/enums.ts mirrors them and
-- shared/enums.test.ts compares the two); a task's priority sorts low to
-- critical, the order the claim takes due tasks in.
begin;
\ir ../_helpers/setup.psql
select plan(4);

select is(enum_range(null::scheduler.run_status)::text[],
  array['queued', 'awaiting_approval', 'claimed', 'running', 'completed', 'failed', 'cancelled', 'skipped'], 'the run states');
select ok('low'::scheduler.task_priority < 'medium' and 'medium'::scheduler.task_priority < 'high' and 'high'::scheduler.task_priority < 'critical',
  'priorities sort low < medium < high < critical');
select is(enum_range(null::scheduler.profile_role)::text[], array['admin', 'user', 'viewer'], 'the profile roles');
select is(enum_range(null::scheduler.profile_status)::text[], array['active', 'inactive', 'suspended'], 'the profile states');

select * from finish();
rollback;
