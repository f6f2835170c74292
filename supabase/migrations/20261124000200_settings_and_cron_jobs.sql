-- What a schema diff cannot see, written by hand: the engine's settings,
-- the singleton rows the dispatcher coordinates through, and the pg_cron jobs.
-- Every statement is idempotent. supabase/schemas/ holds no data, so a later
-- change to a value here is a new hand-written migration.

-- the documented defaults; a project tunes them with
--   update scheduler_internal.settings set value = ... where key = ...
insert into scheduler_internal.settings (key, value, description) values
  ('audit_retention', '"180 days"',
   'audit_trail rows older than this are pruned daily (prune-history). null keeps them.'),
  ('backfill_max_slots', '1000',
   'scheduler.backfill refuses a range that holds more slots of the task''s schedule than this.'),
  ('cron_history_retention', '"7 days"',
   'cron.job_run_details rows of the scheduler''s own pg_cron jobs older than this are pruned daily (prune-history); other jobs'' rows are never touched. null keeps them.'),
  ('dead_man_minutes', '5',
   'Admins are notified when the dispatcher has not ticked for this many minutes.'),
  ('dispatch_lookahead', '"10 seconds"',
   'Runs due within this are handed to their action function ahead, to wait for their second there (fewer invocations; the policies are still judged at the second).'),
  ('dispatch_loop_seconds', '60',
   'How long one dispatcher invocation keeps looking for due work before the next minute''s tick takes over.'),
  ('dispatch_retry_interval', '"1 second"',
   'When due work was left because another session held it, the dispatcher looks again after this long.'),
  ('dispatcher_timeout_ms', '10000',
   'pg_net timeout for the call that wakes the dispatcher.'),
  ('edge_wall_clock_seconds', '150',
   'Edge Function wall clock of your plan: 150 (Free) or 400 (paid). A worker takes new requests until half of it and is killed at all of it; timeouts are capped from it.'),
  ('event_retention', '"90 days"',
   'Events older than this are pruned daily (prune-history), except those a queued, waiting or running run was started by. null keeps them.'),
  ('http_response_retention', '"1 day"',
   'net._http_response rows answering the dispatcher wakes of scheduler-tick older than this are pruned daily (prune-history); pg_net''s own pg_net.ttl (6 hours by default) usually removes them first. null keeps them.'),
  ('idempotency_window', '"24 hours"',
   'A run_task_now call or an event with an idempotency key seen this long before returns (or collapses to) the first run or event instead of starting another.'),
  ('heartbeat_lease', '"15 seconds"',
   'A started run''s lease lasts this long past its worker''s last heartbeat (the action functions renew it every 5 s): a worker that died is found out this long after it went quiet, whatever the run''s timeout. Never under 10 seconds.'),
  ('lease_margin', '"15 seconds"',
   'Added to a run''s timeout to form the latest its lease can reach: a worker still beating past timeout_seconds + lease_margin is not trusted to end the run.'),
  ('log_retention', '"30 days"',
   'system_logs rows older than this are pruned daily (prune-history). null keeps them.'),
  ('misfire_grace', '"2 minutes"',
   'A due time older than this when claimed counts as missed (scheduler was down).'),
  ('notification_retention', '"30 days"',
   'Read or archived notifications older than this are pruned daily (prune-history). null keeps them.'),
  ('owner_max_in_flight', 'null',
   'At most this many runs of one owner''s tasks claimed or running at once (fair share between owners in the claim); null: no cap. Per owner: scheduler.owner_limits.max_in_flight.'),
  ('prune_batch_size', '5000',
   'Rows deleted per batch (and per commit) when pruning (prune-history).'),
  ('replay_max_runs', '100',
   'The most runs one scheduler.replay_runs call replays (its p_limit default and ceiling); call again for the rest.'),
  ('run_retention', '"30 days"',
   'Completed, failed and cancelled runs older than this are pruned daily (prune-history); each task''s latest completed or failed run is kept, since dependencies read it. null keeps them.'),
  ('skipped_run_retention', '"3 days"',
   'Skipped runs (overlap or misfire) older than this are pruned daily (prune-history). Shorter than run_retention, so sub-minute tasks do not fill the history. null keeps them.'),
  ('start_grace', '"30 seconds"',
   'A claimed run not started this long after its due time (its action function died or never got it) goes back to the queue.'),
  ('unread_notification_retention', '"90 days"',
   'Unread notifications older than this are pruned daily (prune-history). null keeps them.')
on conflict (key) do nothing;

insert into scheduler_internal.dispatcher_heartbeat default values on conflict do nothing;

insert into scheduler_internal.dispatcher_looks default values on conflict do nothing;

insert into scheduler_internal.dispatcher_wakes default values on conflict do nothing;

-- one job every minute: the tick expires approvals, checks the heartbeat and
-- wakes the dispatcher (scheduler_internal.scheduler_tick)
select cron.schedule('scheduler-tick', '* * * * *', 'select scheduler_internal.scheduler_tick()');

-- the watchdog: a dispatcher killed mid-loop is replaced within about 10 s
-- instead of at the next minute's tick (scheduler_internal.wake_if_looker_dead,
-- docs/dispatch.md). pg_cron 1.5 and later (hosted Supabase has 1.6) take a
-- '10 seconds' schedule. Older pg_cron (the local stack's Debian 1.4) takes
-- only minutes: there one job a minute makes the same checks at :10, :20,
-- :30, :40 and :50 (the tick covers :00), sleeping in between and committing
-- after each check, since pg_net sends a wake only once it commits. It holds
-- one connection for most of each minute, and each sleep holds a snapshot
-- for up to 10 s; that cost is why hosted takes the interval schedule. A
-- PostgreSQL restart ends it until the next minute (hosted's resumes within
-- 10 s): the local stack is never the more lenient of the two.
do $watchdog$
declare
  v_version integer[] := (
    select array[(regexp_match(e.extversion, '^(\d+)\.(\d+)'))[1]::integer, (regexp_match(e.extversion, '^(\d+)\.(\d+)'))[2]::integer]
    from pg_extension e where e.extname = 'pg_cron');
begin
  if v_version >= array[1, 5] then
    perform cron.schedule('scheduler-watchdog', '10 seconds', 'select scheduler_internal.wake_if_looker_dead()');
  else
    perform cron.schedule('scheduler-watchdog', '* * * * *', $command$do $$
declare
  v_minute timestamptz := date_trunc('minute', clock_timestamp());
begin
  for v_check in 1..5 loop
    continue when clock_timestamp() >= v_minute + v_check * interval '10 seconds';
    perform pg_sleep(extract(epoch from v_minute + v_check * interval '10 seconds' - clock_timestamp()));
    commit;
    perform scheduler_internal.wake_if_looker_dead(now());
    commit;
  end loop;
end
$$$command$);
  end if;
end
$watchdog$;

-- a DO block, not a procedure: it commits between batches, so a long prune
-- holds no lock for long (scheduler_internal.prune_step)
select cron.schedule('prune-history', '17 3 * * *', $command$do $$
declare
  v_state jsonb := '{}';
begin
  loop
    v_state := scheduler_internal.prune_step(v_state);
    exit when (v_state ->> 'done')::boolean;
    commit;
  end loop;
end
$$$command$);

select cron.schedule('cleanup-expired-sessions', '0 2 * * *', 'select scheduler.cleanup_expired_sessions()');
