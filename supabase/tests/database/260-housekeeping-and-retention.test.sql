-- Housekeeping: the one per-minute job (scheduler_internal.scheduler_tick) and the
-- daily pruning (scheduler_internal.prune_step, scheduler.prune_history), each retention
-- judged against its own setting. created_at columns hold the real clock,
-- so pruning is judged from now(); each row sits a little inside or outside
-- the default retention of its kind. Failures are injected by replacing a
-- step's function inside this transaction (rolled back at the end).
begin;
select plan(50);

select tests.remember('u', tests.create_user('u'));
select tests.remember('admin', tests.create_user('admin', 'admin'));

-- the jobs ---------------------------------------------------------------

select set_eq($$ select jobname from cron.job where schedule = '* * * * *' $$, array['scheduler-tick'],
  'scheduler-tick is the only per-minute pg_cron job');
select is((select command from cron.job where jobname = 'scheduler-tick'), 'select scheduler_internal.scheduler_tick()',
  'it calls scheduler_tick, with no secret in the command');
select is_empty($$ select jobname from cron.job where jobname in ('dispatch-due-tasks', 'expire-approvals', 'dispatcher-dead-man', 'prune-run-history') $$,
  'the three old per-minute jobs and prune-run-history are gone');
select set_eq($$ select jobname from scheduler_internal.retired_cron_jobs $$,
  array['dispatch-due-tasks', 'expire-approvals', 'dispatcher-dead-man', 'prune-run-history'],
  'their job ids are remembered, so their history is still pruned');
select is((select schedule from cron.job where jobname = 'prune-history'), '17 3 * * *', 'prune-history runs daily at 03:17 UTC');
select ok((select command ~ 'scheduler_internal\.prune_step' and command ~ '\mcommit\M' from cron.job where jobname = 'prune-history'),
  'and commits after each step of scheduler_internal.prune_step');
select ok(not exists (select 1 from pg_proc where proname = 'prune_run_history'), 'the procedure that could not commit is gone');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.oid in ('scheduler_internal.scheduler_tick(timestamptz)'::regprocedure, 'scheduler.prune_history(timestamptz, integer)'::regprocedure,
                  'scheduler_internal.prune_step(jsonb)'::regprocedure, 'scheduler_internal.prune_batch(text, timestamptz, integer, timestamptz, bigint)'::regprocedure)
    and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute')
         or has_function_privilege('service_role', p.oid, 'execute'))
$$, 'only the owner (pg_cron) runs the tick and the pruning');

-- the settings -------------------------------------------------------------

select results_eq($$
  select key, value from scheduler_internal.settings
  where key in ('run_retention', 'skipped_run_retention', 'log_retention', 'audit_retention', 'notification_retention',
                'unread_notification_retention', 'event_retention', 'cron_history_retention', 'http_response_retention')
  order by key
$$, $$ values
  ('audit_retention', '"180 days"'::jsonb), ('cron_history_retention', '"7 days"'), ('event_retention', '"90 days"'),
  ('http_response_retention', '"1 day"'), ('log_retention', '"30 days"'), ('notification_retention', '"30 days"'),
  ('run_retention', '"30 days"'), ('skipped_run_retention', '"3 days"'), ('unread_notification_retention', '"90 days"')
$$, 'every retention is a setting, with its default');
select is_empty($$ select key from scheduler_internal.settings where description = '' or description ~ 'prune-run-history' $$,
  'each setting is described, none by the old job name');

-- the tick -----------------------------------------------------------------

create temp table ticks (name text primary key, result jsonb);
create function pg_temp.queued_wake(p_result jsonb) returns boolean language sql as $$
  select exists (
    select 1 from net.http_request_queue q join scheduler_internal.dispatcher_requests d on d.request_id = q.id
    where q.id = (p_result ->> 'invoke_dispatcher')::bigint and q.url like '%/functions/v1/dispatcher'
  )
$$;

insert into ticks select 'plain', scheduler_internal.scheduler_tick(now());
select ok(pg_temp.queued_wake((select result from ticks where name = 'plain')),
  'a tick queues the dispatcher wake through pg_net and records its request id');
select is((select result - 'invoke_dispatcher' from ticks where name = 'plain'),
  '{"expire_approvals": 0, "check_dispatcher_heartbeat": false}'::jsonb, 'and reports each step''s result');

-- the wake fails (a broken setting): the steps before it keep their work
update scheduler_internal.dispatcher_heartbeat set last_tick_at = now() - interval '1 hour', alerted_at = null;
update scheduler_internal.settings set value = '"soon"' where key = 'dispatcher_timeout_ms';
insert into ticks select 'wake fails', scheduler_internal.scheduler_tick(now());
update scheduler_internal.settings set value = '10000' where key = 'dispatcher_timeout_ms';
select ok((select result #>> '{invoke_dispatcher,error}' is not null from ticks where name = 'wake fails'), 'a failing wake is reported');
select is((select result -> 'check_dispatcher_heartbeat' from ticks where name = 'wake fails'), 'true'::jsonb,
  'the dead-man check before it still ran');
select ok(exists (select 1 from scheduler.notifications where user_id = tests.fx('admin') and title = 'The scheduler has stopped'),
  'and its alert is kept');
select ok((select message ~ 'Check the scheduler-tick pg_cron job' from scheduler.notifications
           where user_id = tests.fx('admin') and title = 'The scheduler has stopped'),
  'the alert points at scheduler-tick');
select ok(exists (select 1 from scheduler.system_logs where module = 'scheduler_tick' and level = 'error' and metadata ->> 'step' = 'invoke_dispatcher'),
  'the failure is written to system_logs');

-- the approvals expiry fails after doing some work: that work is undone, the
-- dead-man check still alerts, the dispatcher is still woken
create or replace function scheduler.expire_approvals(p_now timestamptz default now()) returns integer
language plpgsql set search_path = '' as $$
begin
  insert into scheduler.system_logs (level, module, message) values ('info', 'test', 'half-done expiry');
  raise exception 'expiry broke';
end $$;
update scheduler_internal.dispatcher_heartbeat set alerted_at = null;
delete from scheduler.notifications where user_id = tests.fx('admin');
insert into ticks select 'expiry fails', scheduler_internal.scheduler_tick(now());
select is((select result #>> '{expire_approvals,error}' from ticks where name = 'expiry fails'), 'expiry broke',
  'a failing approvals expiry is reported');
select is_empty($$ select 1 from scheduler.system_logs where message = 'half-done expiry' $$, 'and what it did is rolled back');
select ok(exists (select 1 from scheduler.notifications where user_id = tests.fx('admin') and title = 'The scheduler has stopped'),
  'the dead-man check after it still alerts');
select ok(pg_temp.queued_wake((select result from ticks where name = 'expiry fails')), 'and the dispatcher is still woken');
select ok(exists (select 1 from scheduler.system_logs where module = 'scheduler_tick' and level = 'error'
                  and metadata ->> 'step' = 'expire_approvals' and message ~ 'expiry broke'),
  'the failure is written to system_logs');

-- both steps before the wake fail: the dispatcher is still woken
create or replace function scheduler.check_dispatcher_heartbeat(p_now timestamptz default now()) returns boolean
language plpgsql set search_path = '' as $$
begin
  raise exception 'heartbeat broke';
end $$;
insert into ticks select 'both fail', scheduler_internal.scheduler_tick(now());
select is((select array[result #>> '{expire_approvals,error}', result #>> '{check_dispatcher_heartbeat,error}'] from ticks where name = 'both fail'),
  array['expiry broke', 'heartbeat broke'], 'with both earlier steps failing');
select ok(pg_temp.queued_wake((select result from ticks where name = 'both fail')), 'the dispatcher is still woken');

-- history to prune -----------------------------------------------------------

insert into scheduler.tasks (name, type, action_type, action_payload, owner_id)
values ('hk-a', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('u')),
       ('hk-b', 'manual', 'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('u'));
select tests.remember(name, id) from scheduler.tasks where name in ('hk-a', 'hk-b') and owner_id = tests.fx('u');

create function pg_temp.run(p_task text, p_status scheduler.run_status, p_age interval, p_label text, p_inputs jsonb default null)
returns void language sql as $$
  insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, inputs, created_at, end_time, start_time)
  values (tests.fx(p_task), now() - p_age, p_status, 'schedule', coalesce(p_inputs, '{}') || jsonb_build_object('label', p_label), now() - p_age,
    case when p_status <> 'running' then now() - p_age end, now() - p_age)
$$;
create function pg_temp.runs(p_task text) returns setof text language sql as $$
  select inputs ->> 'label' from scheduler.task_runs where task_id = tests.fx(p_task)
$$;

-- skipped: five far in the past (the first batches), one just outside, one just inside 3 days
select pg_temp.run('hk-a', 'skipped', make_interval(days => 3000 + g), 'ancient skip ' || g) from generate_series(1, 5) g;
select pg_temp.run('hk-a', 'skipped', '4 days', 'old skip');
select pg_temp.run('hk-a', 'skipped', '2 days', 'young skip');
-- finished: hk-a has a younger completed run, so its old ones go; hk-b's latest completed or failed run stays
select pg_temp.run('hk-a', 'completed', '40 days', 'a old completed');
select pg_temp.run('hk-a', 'failed', '35 days', 'a old failed');
select pg_temp.run('hk-a', 'completed', '29 days', 'a young completed');
select pg_temp.run('hk-b', 'completed', '40 days', 'b old completed');
select pg_temp.run('hk-b', 'failed', '38 days', 'b latest finished');
select pg_temp.run('hk-b', 'cancelled', '37 days', 'b old cancelled');

-- events: old unreferenced, old started a run still going, old started a finished run, young
insert into scheduler.events (event_type, user_id, created_at) values
  ('hk old', tests.fx('u'), now() - interval '91 days'),
  ('hk held', tests.fx('u'), now() - interval '91 days'),
  ('hk done', tests.fx('u'), now() - interval '91 days'),
  ('hk young', tests.fx('u'), now() - interval '89 days');
select pg_temp.run('hk-b', 'running', '91 days', 'b still running', jsonb_build_object('event_id', (select id from scheduler.events where event_type = 'hk held')));
select pg_temp.run('hk-a', 'completed', '28 days', 'a from event', jsonb_build_object('event_id', (select id from scheduler.events where event_type = 'hk done')));

insert into scheduler.notifications (user_id, title, status, read_at, created_at) values
  (tests.fx('u'), 'hk read old', 'read', now(), now() - interval '31 days'),
  (tests.fx('u'), 'hk archived old', 'archived', now(), now() - interval '31 days'),
  (tests.fx('u'), 'hk read young', 'read', now(), now() - interval '29 days'),
  (tests.fx('u'), 'hk unread 31 days', 'unread', null, now() - interval '31 days'),
  (tests.fx('u'), 'hk unread young', 'unread', null, now() - interval '89 days'),
  (tests.fx('u'), 'hk unread old', 'unread', null, now() - interval '91 days');

insert into scheduler.audit_trail (actor, action, entity_type, new_values, created_at) values
  ('system', 'hk old', 'test', '{}', now() - interval '181 days'),
  ('system', 'hk young', 'test', '{}', now() - interval '179 days');

insert into scheduler.system_logs (level, module, message, created_at) values
  ('info', 'hk', 'hk old', now() - interval '31 days'),
  ('info', 'hk', 'hk young', now() - interval '29 days');

-- cron history: the scheduler's current and retired jobs, and someone else's
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
select is((select count(*)::int from pg_temp.runs('hk-a') r where r like 'ancient skip%'), 3, 'the oldest two went first');
insert into steps select 2, scheduler_internal.prune_step((select state from steps where n = 1));
select is((select (state #>> '{deleted,skipped_runs}')::int from steps where n = 2), 4, 'the next step carries on from the cursor');
select is((select count(*)::int from pg_temp.runs('hk-a') r where r like 'ancient skip%'), 1, 'two more are gone');

-- the rest in this transaction; each target's batches run until a short one
create temp table pruned as select scheduler.prune_history(now(), 100) as result;
select is((select result -> 'errors' from pruned), null, 'the pruning reports no error');

select set_eq($$ select inputs ->> 'label' from scheduler.task_runs where task_id = tests.fx('hk-a') and status = 'skipped' $$,
  array['young skip'], 'skipped runs older than skipped_run_retention (3 days) are pruned, younger ones stay');
select set_eq($$ select * from pg_temp.runs('hk-a') $$, array['young skip', 'a young completed', 'a from event'],
  'hk-a: completed and failed runs older than run_retention (30 days) go when a later one exists');
select set_eq($$ select * from pg_temp.runs('hk-b') $$, array['b latest finished', 'b still running'],
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

select pg_temp.run('hk-a', 'skipped', '2 days', 'second young skip');
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
insert into scheduler.notifications (user_id, title, status, created_at) values (tests.fx('u'), 'hk ancient', 'read', now() - interval '3000 days');
create temp table bad as select scheduler.prune_history(now(), 100) as result;
select is((select result #>> '{errors,audit_trail,sqlstate}' from bad), '22023', 'a retention without a unit (7 seconds) is refused');
select isnt_empty($$ select 1 from scheduler.audit_trail where action = 'hk ancient' $$, 'and its target is left alone');
select is_empty($$ select 1 from scheduler.notifications where title = 'hk ancient' $$, 'while the other targets are still pruned');
select ok(exists (select 1 from scheduler.system_logs where module = 'prune_history' and level = 'error' and metadata ->> 'step' = 'audit_trail'),
  'the failure is written to system_logs');

select * from finish();
rollback;
