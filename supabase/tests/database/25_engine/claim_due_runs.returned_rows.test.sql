-- scheduler.claim_due_runs builds what it returns from the rows it decided
-- and locked, not by reading the inserted runs back: what it returns must
-- be what it wrote, for new runs and for queued runs it takes. A task's
-- last_run_at moves to the due time of the scheduled run it claims, or to
-- the start of another run the gate starts, and never back. Clock pinned
-- in 2034.
begin;
\ir ../_helpers/setup.psql
select plan(11);

select tests.seed_users();
set local scheduler.now = '2034-03-01 00:00:00+00';
select tests.mk_task('results ' || g, jsonb_build_object('every', '1 hour', 'timeout', 20 * g, 'overlap', 'allow'))
from generate_series(1, 3) g;
-- a queued run of the first task, due, with inputs
insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs)
values (tests.fx('results 1'), '2034-03-01 00:00:00+00', 'queued', 2, 'retry', '{"carried": true}');

create temp table claimed on commit drop as
select c.* from scheduler.claim_due_runs(100, '2034-03-01 01:00:00+00', '0', 'pgtap-results', interval '5 minutes') c
join scheduler.tasks t on t.id = c.task_id
where t.owner_id = tests.fx('owner');

select is((select count(*)::int from claimed), 4, 'three new runs and the queued one are claimed');
select is_empty($$
  select c.run_id from claimed c
  left join scheduler.task_runs r on r.id = c.run_id
  where r.id is null
     or r.task_id <> c.task_id
     or r.status <> 'claimed'
     or r.start_time is not null
     or r.attempt <> c.attempt
     or r.scheduled_time <> c.scheduled_time
     or r.triggered_by <> c.triggered_by
     or r.lease_expires_at is distinct from c.lease_expires_at
     or r.inputs is distinct from c.inputs
     or r.locked_by <> 'pgtap-results'
$$, 'every returned run is the claimed (not yet started) run as stored: task, attempt, scheduled time, trigger, lease and inputs');
select is((select count(*)::int from claimed where triggered_by = 'schedule' and substr(run_id::text, 15, 1) = '7'), 3,
  'new runs get time-ordered (version 7) ids');
select is((select lease_expires_at from claimed where triggered_by = 'schedule' and timeout_seconds = 40),
  '2034-03-01 01:05:00+00'::timestamptz, 'a claimed run''s lease is its due time plus the start grace (p_lease): it must be started by then');
select is((select inputs from claimed where triggered_by = 'retry'), '{"carried": true}'::jsonb,
  'a queued run keeps its inputs');
select is((select task->>'name' from claimed where triggered_by = 'retry'), 'results 1',
  'and carries its task');
select is((select count(*)::int from scheduler.tasks where owner_id = tests.fx('owner') and next_run_at = '2034-03-01 02:00:00+00'), 3,
  'the claimed tasks move to their next due time');
select is((select count(*)::int from scheduler.tasks where owner_id = tests.fx('owner') and last_run_at = '2034-03-01 01:00:00+00'), 3,
  'a claimed scheduled run moves its task''s last_run_at to its due time');

-- the gate starts them; the retry (not a scheduled run) moves last_run_at to its start
select is((select count(*)::int from scheduler.start_runs(array(select run_id from claimed), 'pgtap-results', '2034-03-01 01:00:20+00')
  where outcome = 'started'), 4, 'the gate starts the four runs');
select is((select last_run_at from scheduler.tasks where id = tests.fx('results 1')), '2034-03-01 01:00:20+00'::timestamptz,
  'a started retry moves last_run_at to its start');

-- a run started with an earlier clock does not move it back
insert into scheduler.task_runs (id, task_id, scheduled_time, status, attempt, triggered_by, locked_at, locked_by)
values ('00000000-0000-4000-8000-000000000240', tests.fx('results 1'), '2034-03-01 00:30:00+00', 'claimed', 1, 'manual',
  '2034-03-01 00:30:00+00', 'pgtap-results');
select scheduler.start_runs('{00000000-0000-4000-8000-000000000240}', 'pgtap-results', '2034-03-01 00:30:00+00');
select is((select last_run_at from scheduler.tasks where id = tests.fx('results 1')), '2034-03-01 01:00:20+00'::timestamptz,
  'and an older start does not move it back');

select * from finish();
rollback;
