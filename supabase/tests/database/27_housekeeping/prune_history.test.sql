-- The daily pruning, scheduler.prune_history and the steps pg_cron commits
-- one by one (scheduler_internal.prune_step, prune_batch): each kind of
-- history is kept for the retention its own setting names, in batches;
-- the latest finished run of a task stays (dependencies read it), as do
-- unfinished runs and the events they started; a bad setting fails only
-- its own target. created_at columns hold the real clock, so pruning is
-- judged from now(); each row sits a little inside or outside the default
-- retention of its kind.
begin;
\ir ../_helpers/setup.psql
select plan(28);

select tests.seed_users();
-- this minute's tick, whose wake record the pruning must keep (a task due,
-- so that the tick wakes the dispatcher)
create temp table ticks (name text primary key, result jsonb) on commit drop;
select tests.mk_task('wake', '{"cron": "0 0 1 1 *"}');
update scheduler.tasks set next_run_at = now() where id = tests.fx('wake');
insert into ticks select 'plain', scheduler_internal.scheduler_tick(now());

-- a task retried twice, all three attempts failed 31 days ago: the first
-- two go, the last finished run of the task stays; a young run stays
select tests.mk_task('flaky');
insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, created_at, start_time, end_time)
select tests.fx('flaky'), now() - interval '31 days' + make_interval(secs => a), 'failed', a, case a when 1 then 'manual' else 'retry' end,
  now() - interval '31 days' + make_interval(secs => a), now() - interval '31 days' + make_interval(secs => a),
  now() - interval '31 days' + make_interval(secs => a)
from generate_series(1, 3) a;
select tests.mk_task('every90', '{"every": "90 seconds"}');
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, start_time, end_time)
values (tests.fx('every90'), now() - interval '1 day', 'completed', 'schedule', now() - interval '1 day', now() - interval '1 day');
select tests.mk_task('hk-a');
select tests.mk_task('hk-b');


-- skipped: five far in the past (the first batches), one just outside, one just inside 3 days
select tests.mk_run('hk-a', 'skipped', make_interval(days => 3000 + g), 'ancient skip ' || g) from generate_series(1, 5) g;
select tests.mk_run('hk-a', 'skipped', '4 days', 'old skip');
select tests.mk_run('hk-a', 'skipped', '2 days', 'young skip');
-- finished: hk-a has a younger completed run, so its old ones go; hk-b's latest completed or failed run stays
select tests.mk_run('hk-a', 'completed', '40 days', 'a old completed');
select tests.mk_run('hk-a', 'failed', '35 days', 'a old failed');
select tests.mk_run('hk-a', 'completed', '29 days', 'a young completed');
select tests.mk_run('hk-b', 'completed', '40 days', 'b old completed');
select tests.mk_run('hk-b', 'failed', '38 days', 'b latest finished');
select tests.mk_run('hk-b', 'cancelled', '37 days', 'b old cancelled');

-- events: old unreferenced, old started a run still going, old started a finished run, young
insert into scheduler.events (event_type, user_id, created_at) values
  ('hk old', tests.fx('owner'), now() - interval '91 days'),
  ('hk held', tests.fx('owner'), now() - interval '91 days'),
  ('hk done', tests.fx('owner'), now() - interval '91 days'),
  ('hk young', tests.fx('owner'), now() - interval '89 days');
select tests.mk_run('hk-b', 'running', '91 days', 'b still running');
update scheduler.task_runs set event_id = (select id from scheduler.events where event_type = 'hk held') where inputs ->> 'label' = 'b still running';
select tests.mk_run('hk-a', 'completed', '28 days', 'a from event');
update scheduler.task_runs set event_id = (select id from scheduler.events where event_type = 'hk done') where inputs ->> 'label' = 'a from event';

insert into scheduler.notifications (user_id, title, status, read_at, created_at) values
  (tests.fx('owner'), 'hk read old', 'read', now(), now() - interval '31 days'),
  (tests.fx('owner'), 'hk archived old', 'archived', now(), now() - interval '31 days'),
  (tests.fx('owner'), 'hk read young', 'read', now(), now() - interval '29 days'),
  (tests.fx('owner'), 'hk unread 31 days', 'unread', null, now() - interval '31 days'),
  (tests.fx('owner'), 'hk unread young', 'unread', null, now() - interval '89 days'),
  (tests.fx('owner'), 'hk unread old', 'unread', null, now() - interval '91 days');

insert into scheduler.audit_trail (actor, action, entity_type, new_values, created_at) values
  ('system', 'hk old', 'test', '{}', now() - interval '181 days'),
  ('system', 'hk young', 'test', '{}', now() - interval '179 days');

insert into scheduler.system_logs (level, module, message, created_at) values
  ('info', 'hk', 'hk old', now() - interval '31 days'),
  ('info', 'hk', 'hk young', now() - interval '29 days');

-- cron history: the scheduler's current and retired jobs, and someone else's
-- (a job a later migration would unschedule, remembered as retired)
insert into scheduler_internal.retired_cron_jobs (jobid, jobname) values (987654000, 'dispatch-due-tasks');
create temp table jobs as
  select 'tick' as name, jobid from cron.job where jobname = 'scheduler-tick'
  union all select 'retired', jobid from scheduler_internal.retired_cron_jobs where jobname = 'dispatch-due-tasks'
  union all select 'foreign', cron.schedule('someone-elses-report', '0 0 1 1 *', 'select 1')
  union all select 'gone foreign', 987654321;  -- a job of another app, since unscheduled
insert into cron.job_run_details (jobid, database, username, command, status, start_time, end_time)
select j.jobid, 'postgres', 'postgres', 'hk ' || j.name || ' ' || a.label, 'succeeded', now() - a.age, now() - a.age
from jobs j cross join (values ('old', interval '8 days'), ('young', interval '6 days')) a(label, age);

-- pg_net: responses to recorded dispatcher wakes, and to requests the scheduler did not make
insert into scheduler_internal.dispatcher_requests (request_id, created_at) values
  (910000000001, now() - interval '25 hours'),   -- old, answered at once
  (910000000002, now() - interval '25 hours'),   -- old, and its id answered a day later: not ours
  (910000000004, now() - interval '23 hours');   -- young
insert into net._http_response (id, status_code, content, created) values
  (910000000001, 200, 'hk ours old', now() - interval '25 hours' + interval '1 second'),
  (910000000002, 200, 'hk id reused', now() - interval '1 hour'),
  (910000000003, 200, 'hk not ours', now() - interval '25 hours'),
  (910000000004, 200, 'hk ours young', now() - interval '23 hours' + interval '1 second');

-- batches ------------------------------------------------------------------

update scheduler_internal.settings set value = '2' where key = 'prune_batch_size';
create temp table steps (n int, state jsonb);
insert into steps select 1, scheduler_internal.prune_step('{}');
select is((select (state #>> '{deleted,skipped_runs}')::int from steps where n = 1), 2, 'a step deletes one batch (prune_batch_size)');
select is((select state ->> 'target' from steps where n = 1), 'skipped_runs', 'and, the batch being full, the next step continues the same target');
select is((select count(*)::int from tests.run_labels('hk-a') r where r like 'ancient skip%'), 3, 'the oldest two went first');
insert into steps select 2, scheduler_internal.prune_step((select state from steps where n = 1));
select is((select (state #>> '{deleted,skipped_runs}')::int from steps where n = 2), 4, 'the next step carries on from the cursor');
select is((select count(*)::int from tests.run_labels('hk-a') r where r like 'ancient skip%'), 1, 'two more are gone');

-- the rest in this transaction; each target's batches run until a short one
create temp table pruned as select scheduler.prune_history(now(), 100) as result;
select is((select result -> 'errors' from pruned), null, 'the pruning reports no error');
select results_eq($$ select attempt from scheduler.task_runs where task_id = tests.fx('flaky') $$, $$ values (3) $$,
  'finished runs older than the retention are pruned, but the task''s latest finished run');
select isnt_empty($$ select 1 from scheduler.task_runs where task_id = tests.fx('every90') $$, 'recent runs stay');

select set_eq($$ select inputs ->> 'label' from scheduler.task_runs where task_id = tests.fx('hk-a') and status = 'skipped' $$,
  array['young skip'], 'skipped runs older than skipped_run_retention (3 days) are pruned, younger ones stay');
select set_eq($$ select * from tests.run_labels('hk-a') $$, array['young skip', 'a young completed', 'a from event'],
  'hk-a: completed and failed runs older than run_retention (30 days) go when a later one exists');
select set_eq($$ select * from tests.run_labels('hk-b') $$, array['b latest finished', 'b still running'],
  'hk-b: its latest completed or failed run stays however old (dependencies read it), as do unfinished runs; older and cancelled ones go');

select set_eq($$ select event_type from scheduler.events where event_type like 'hk %' $$, array['hk held', 'hk young'],
  'events older than event_retention (90 days) go, unless a run they started has not finished');
select throws_ok($$ delete from scheduler.events where event_type = 'hk young' $$, '42501', null,
  'outside the retention an event still cannot be deleted');
set local scheduler.prune_events_before = '2000-01-01';
select throws_ok($$ delete from scheduler.events where event_type = 'hk young' $$, '42501', null,
  'nor with a retention cutoff older than the event');
reset scheduler.prune_events_before;

select set_eq($$ select title from scheduler.notifications where title like 'hk %' $$,
  array['hk read young', 'hk unread 31 days', 'hk unread young'],
  'read and archived notifications go after notification_retention (30 days), unread ones after unread_notification_retention (90 days)');
select set_eq($$ select action from scheduler.audit_trail where entity_type = 'test' and action like 'hk %' $$, array['hk young'],
  'audit_trail rows older than audit_retention (180 days) go');
select set_eq($$ select message from scheduler.system_logs where module = 'hk' $$, array['hk young'],
  'system_logs rows older than log_retention (30 days) go');

select set_eq($$ select command from cron.job_run_details where command like 'hk %' $$,
  array['hk tick young', 'hk retired young', 'hk foreign old', 'hk foreign young', 'hk gone foreign old', 'hk gone foreign young'],
  'cron history older than cron_history_retention (7 days) goes for the scheduler''s current and retired jobs only');
select set_eq($$ select content from net._http_response where content like 'hk %' $$,
  array['hk id reused', 'hk not ours', 'hk ours young'],
  'pg_net responses older than http_response_retention (1 day) go when they answer a recorded dispatcher wake');
select set_eq($$ select request_id from scheduler_internal.dispatcher_requests where request_id > 910000000000 $$,
  array[910000000004::bigint], 'and the records of old wakes go with them');
select ok(exists (select 1 from scheduler_internal.dispatcher_requests d where d.request_id = (select (result ->> 'invoke_dispatcher')::bigint from ticks where name = 'plain')),
  'the record of this minute''s wake stays');

-- settings change what is kept ----------------------------------------------

select tests.mk_run('hk-a', 'skipped', '2 days', 'second young skip');
update scheduler_internal.settings set value = '"1 day"' where key = 'skipped_run_retention';
update scheduler_internal.settings set value = 'null' where key = 'log_retention';
insert into scheduler.system_logs (level, module, message, created_at) values ('info', 'hk', 'hk ancient', now() - interval '3000 days');
select is((select (scheduler.prune_history(now(), 100) #>> '{deleted,skipped_runs}')::int >= 2), true, 'a shorter retention prunes more');
select is_empty($$ select 1 from scheduler.task_runs where task_id = tests.fx('hk-a') and status = 'skipped' $$,
  'skipped runs two days old go once skipped_run_retention is a day');
select isnt_empty($$ select 1 from scheduler.system_logs where message = 'hk ancient' $$, 'a null retention keeps rows forever');

-- a bad setting fails its own target only
update scheduler_internal.settings set value = '"7"' where key = 'audit_retention';
insert into scheduler.audit_trail (actor, action, entity_type, new_values, created_at) values ('system', 'hk ancient', 'test', '{}', now() - interval '3000 days');
insert into scheduler.notifications (user_id, title, status, created_at) values (tests.fx('owner'), 'hk ancient', 'read', now() - interval '3000 days');
create temp table bad as select scheduler.prune_history(now(), 100) as result;
select is((select result #>> '{errors,audit_trail,sqlstate}' from bad), '22023', 'a retention without a unit (7 seconds) is refused');
select isnt_empty($$ select 1 from scheduler.audit_trail where action = 'hk ancient' $$, 'and its target is left alone');
select is_empty($$ select 1 from scheduler.notifications where title = 'hk ancient' $$, 'while the other targets are still pruned');
select ok(exists (select 1 from scheduler.system_logs where module = 'prune_history' and level = 'error' and metadata ->> 'step' = 'audit_trail'),
  'the failure is written to system_logs');

select * from finish();
rollback;
