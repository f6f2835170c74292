-- The claim builds what it returns from the rows it decided and locked
-- (20261124000820), not by reading the inserted runs back: what it returns
-- must be what it wrote, for new runs and for queued runs it takes. The
-- completion moves each task's last_run_at to its latest end in the batch
-- and never back. Clock pinned in 2034.
begin;
select plan(10);

select tests.remember('owner', tests.create_user('results_owner'));
set local scheduler.now = '2034-03-01 00:00:00+00';

insert into public.tasks (name, type, action_type, action_payload, owner_id, schedule_interval, timeout_seconds, overlap_policy)
select 'results ' || g, 'scheduled', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('owner'),
  '1 hour', 60 * g, 'allow'
from generate_series(1, 3) g;
-- a queued run of the first task, due, with inputs
insert into public.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs)
select id, '2034-03-01 00:00:00+00', 'queued', 2, 'retry', '{"carried": true}' from public.tasks where name = 'results 1';

create temp table claimed on commit drop as
select c.* from public.claim_due_runs(100, '2034-03-01 01:00:00+00', '0', 'pgtap-results', interval '5 minutes') c
join public.tasks t on t.id = c.task_id
where t.owner_id = tests.fx('owner');

select is((select count(*)::int from claimed), 4, 'three new runs and the queued one are claimed');
select is_empty($$
  select c.run_id from claimed c
  left join public.task_runs r on r.id = c.run_id
  where r.id is null
     or r.task_id <> c.task_id
     or r.status <> 'running'
     or r.attempt <> c.attempt
     or r.scheduled_time <> c.scheduled_time
     or r.triggered_by <> c.triggered_by
     or r.lease_expires_at is distinct from c.lease_expires_at
     or r.inputs is distinct from c.inputs
     or r.locked_by <> 'pgtap-results'
$$, 'every returned run is the running run as stored: task, attempt, scheduled time, trigger, lease and inputs');
select is((select count(*)::int from claimed where triggered_by = 'schedule' and substr(run_id::text, 15, 1) = '7'), 3,
  'new runs get time-ordered (version 7) ids');
select is((select lease_expires_at from claimed where triggered_by = 'schedule' and timeout_seconds = 120),
  '2034-03-01 01:07:00+00'::timestamptz, 'a new run''s lease is its start plus its timeout plus the margin');
select is((select inputs from claimed where triggered_by = 'retry'), '{"carried": true}'::jsonb,
  'a queued run keeps its inputs');
select is((select task->>'name' from claimed where triggered_by = 'retry'), 'results 1',
  'and carries its task');
select is((select count(*)::int from public.tasks where owner_id = tests.fx('owner') and next_run_at = '2034-03-01 02:00:00+00'), 3,
  'the claimed tasks move to their next due time');

-- completion: the latest end of each task's runs in the batch
select is((select count(*)::int from public.complete_runs(
  (select jsonb_agg(jsonb_build_object(
    'run_id', c.run_id, 'status', 'completed',
    'started_at', '2034-03-01 01:00:00+00'::timestamptz,
    'ended_at', '2034-03-01 01:00:00+00'::timestamptz + make_interval(secs => c.timeout_seconds / 60 + case when c.triggered_by = 'retry' then 30 else 0 end)))
   from claimed c),
  '2034-03-01 01:10:00+00') where outcome = 'completed'), 4, 'the four runs complete');
select is((select last_run_at from public.tasks where name = 'results 1'), '2034-03-01 01:00:31+00'::timestamptz,
  'a task''s last_run_at is the latest end among its runs in the batch');

-- a run that ended earlier, completed later, does not move it back
insert into public.task_runs (id, task_id, scheduled_time, status, attempt, triggered_by, start_time, locked_at, locked_by)
select '00000000-0000-4000-8000-000000000240', id, '2034-03-01 00:30:00+00', 'running', 1, 'manual',
  '2034-03-01 00:30:00+00', '2034-03-01 00:30:00+00', 'pgtap-results'
from public.tasks where name = 'results 1';
select public.complete_runs(
  '[{"run_id": "00000000-0000-4000-8000-000000000240", "status": "completed", "ended_at": "2034-03-01T00:30:05Z"}]',
  '2034-03-01 01:20:00+00');
select is((select last_run_at from public.tasks where name = 'results 1'), '2034-03-01 01:00:31+00'::timestamptz,
  'and an older end completed later does not move it back');

select * from finish();
rollback;
