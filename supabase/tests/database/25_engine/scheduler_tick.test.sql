-- scheduler_internal.scheduler_tick, the one per-minute job: it expires
-- approvals, runs the dead-man check and wakes the dispatcher through
-- pg_net when there is work before the next tick plus the lookahead (and
-- only then), each step on its own: a step that fails is reported, logged
-- to system_logs and rolled back alone, and the steps after it still run.
-- Failures are injected by replacing a step's function inside this
-- transaction (rolled back at the end). The tick runs on the real clock
-- (now()), as pg_cron calls it.
begin;
\ir ../_helpers/setup.psql
select plan(18);

select tests.seed_users();
create temp table ticks (name text primary key, result jsonb) on commit drop;
-- idle: nothing due before the next tick plus the lookahead (the clock in
-- 2001, before any other data a live database may hold) wakes nobody
select tests.mk_task('due', '{"cron": "0 0 1 1 *"}');
update scheduler.tasks set next_run_at = '2001-01-01 00:01:11+00' where id = tests.fx('due');
update scheduler_internal.dispatcher_heartbeat set last_tick_at = '2000-01-01 00:00:00+00', alerted_at = null;
select tests.dispatcher_wakes() as wakes_before \gset
insert into ticks select 'idle', scheduler_internal.scheduler_tick('2001-01-01 00:00:00+00');
select is((select result from ticks where name = 'idle'),
  '{"expire_approvals": 0, "check_dispatcher_heartbeat": false, "invoke_dispatcher": null}'::jsonb,
  'an idle tick invokes nothing, and its dead-man check is quiet after a year without a claim');
select is(tests.dispatcher_wakes(), :wakes_before, 'no request is queued');
-- work a minute and the lookahead (10 s) away is the next tick's; nearer, this one's
update scheduler.tasks set next_run_at = '2001-01-01 00:01:10+00' where id = tests.fx('due');
insert into ticks select 'soon', scheduler_internal.scheduler_tick('2001-01-01 00:00:00+00');
select ok(tests.queued_wake((select result from ticks where name = 'soon')),
  'work due before the next tick plus the lookahead wakes the dispatcher');
-- a tick that cannot tell whether work is due wakes it all the same
update scheduler.tasks set next_run_at = '2001-01-01 00:01:11+00' where id = tests.fx('due');
update scheduler_internal.settings set value = '"soon"' where key = 'dispatch_lookahead';
insert into ticks select 'cannot tell', scheduler_internal.scheduler_tick('2001-01-01 00:00:00+00');
update scheduler_internal.settings set value = '"10 seconds"' where key = 'dispatch_lookahead';
select ok(tests.queued_wake((select result from ticks where name = 'cannot tell'))
          and (select result #>> '{earliest_dispatch_work,error}' is not null from ticks where name = 'cannot tell'),
  'a tick that cannot tell whether work is due (a broken dispatch_lookahead) wakes the dispatcher and reports why');

-- the task due now (the real clock, as pg_cron calls the tick), and a
-- dispatcher that ticked a moment ago, so the dead-man check is quiet
update scheduler.tasks set next_run_at = now() - interval '10 minutes' where id = tests.fx('due');
update scheduler_internal.dispatcher_heartbeat set last_tick_at = now(), alerted_at = null;

insert into ticks select 'plain', scheduler_internal.scheduler_tick(now());
select ok(tests.queued_wake((select result from ticks where name = 'plain')),
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
select ok(tests.queued_wake((select result from ticks where name = 'expiry fails')), 'and the dispatcher is still woken');
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
select ok(tests.queued_wake((select result from ticks where name = 'both fail')), 'the dispatcher is still woken');

select * from finish();
rollback;
