-- Overlap policies over queued runs: a task that does not allow overlap never
-- has two runs started by one claim (a retry, a manual run and a queued
-- overlap run wait their turn), and overlap queue keeps at most one waiting
-- run. The clock is pinned in 2032 so nothing else is due with these tasks.
begin;
select plan(9);

select tests.remember('u', tests.create_user('u'));
set local scheduler.now = '2032-01-01 00:00:00+00';

create function pg_temp.mk(p_name text, p_overlap text, p_every interval default null)
returns uuid language plpgsql as $$
declare v_id uuid;
begin
  insert into scheduler.tasks (name, type, schedule_interval, action_type, action_payload, owner_id, overlap_policy, timeout_seconds)
  values (p_name, case when p_every is null then 'manual' else 'scheduled' end, p_every,
    'notify', '{"channel": "web", "title": "t", "message": "m"}', tests.fx('u'), p_overlap, 30)
  returning id into v_id;
  perform tests.remember(p_name, v_id);
  return v_id;
end $$;
-- runs of the task started by one dispatch (claim + start gate) at p_at
create function pg_temp.claimed(p_task text, p_at text) returns integer language sql as $$
  select count(*)::int from tests.dispatch(p_at::timestamptz) c where c.task_id = tests.fx(p_task) and c.outcome = 'started'
$$;
create function pg_temp.statuses(p_task text) returns text[] language sql as $$
  select array_agg(status::text order by scheduled_time, created_at) from scheduler.task_runs where task_id = tests.fx(p_task)
$$;
create function pg_temp.finish(p_task text, p_at text) returns void language sql as $$
  select count(*) from scheduler.complete_runs(
    (select jsonb_agg(jsonb_build_object('run_id', r.id, 'status', 'completed'))
     from scheduler.task_runs r where r.task_id = tests.fx(p_task) and r.status = 'running'),
    p_at::timestamptz)
$$;

-- two manual runs of a task that queues: one claim starts only the first
select pg_temp.mk('queued2', 'queue');
select scheduler.run_task_now(tests.fx('queued2'), '2032-01-01 00:00:01+00');
select scheduler.run_task_now(tests.fx('queued2'), '2032-01-01 00:00:02+00');
select is(pg_temp.claimed('queued2', '2032-01-01 00:00:05+00'), 1, 'overlap queue: one claim starts only the head of the task''s queue');
select is(pg_temp.claimed('queued2', '2032-01-01 00:00:06+00'), 0, 'the next waits while the first runs');
select pg_temp.finish('queued2', '2032-01-01 00:00:07+00');
select is(pg_temp.claimed('queued2', '2032-01-01 00:00:08+00'), 1, 'and starts once the first is over');

-- the same for overlap skip (queued runs are explicit requests, so they wait)
select pg_temp.mk('skip2', 'skip');
select scheduler.run_task_now(tests.fx('skip2'), '2032-01-01 00:00:01+00');
select scheduler.run_task_now(tests.fx('skip2'), '2032-01-01 00:00:02+00');
select is(pg_temp.claimed('skip2', '2032-01-01 00:00:05+00'), 1, 'overlap skip: one at a time as well');

-- allow: both start together
select pg_temp.mk('allow2', 'allow');
select scheduler.run_task_now(tests.fx('allow2'), '2032-01-01 00:00:01+00');
select scheduler.run_task_now(tests.fx('allow2'), '2032-01-01 00:00:02+00');
select is(pg_temp.claimed('allow2', '2032-01-01 00:00:05+00'), 2, 'overlap allow: every queued run starts');

-- a slow task every minute with overlap queue: one run waits, later due times are skipped
select pg_temp.mk('slow', 'queue', '1 minute');
select pg_temp.claimed('slow', '2032-01-01 00:01:00+00');
select pg_temp.claimed('slow', '2032-01-01 00:02:00+00');
select pg_temp.claimed('slow', '2032-01-01 00:03:00+00');
select is(pg_temp.statuses('slow'), array['running', 'queued', 'skipped'], 'overlap queue keeps one waiting run; a further due time is skipped, not piled up');
select is((select error_message from scheduler.task_runs where task_id = tests.fx('slow') and status = 'skipped'),
  'skipped: a run was already waiting behind the running one (overlap_policy queue)', 'and says why');
select pg_temp.finish('slow', '2032-01-01 00:03:10+00');
select is(pg_temp.claimed('slow', '2032-01-01 00:03:20+00'), 1, 'the waiting run starts when the running one ends');
select is(pg_temp.statuses('slow'), array['completed', 'running', 'skipped'], 'so the backlog never runs as a burst');

select * from finish();
rollback;
