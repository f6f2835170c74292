-- dispatch at the second (docs/dispatch.md). The first design claimed runs up
-- to 60 s ahead, judged overlap and misfire at claim time, and recorded a
-- claim's runs only when its slowest had ended. Now:
--  * claim_due_runs hands runs due within a short lookahead to their action
--    as `claimed` (nothing sent yet), judging only what cannot wait: the
--    scheduler having been down (misfire), dependencies, approvals;
--  * start_runs is the gate an action calls at each run's second: overlap is
--    judged against what is running then, lateness against the due time,
--    pause and cancel against the run's current row. Only what it starts may
--    be sent;
--  * complete_runs is called by the actions as runs end, and records only the
--    runs of the worker that reports them;
--  * a claimed run nobody started goes back to the queue; a started run whose
--    lease expired has an unknown outcome and is retried under the same
--    idempotency key, so a receiver can tell a resend;
--  * writes that make work due before the dispatcher next looks wake it,
--    debounced here; the dispatcher registers when it will look next;
--  * the platform's limits are settings, and a timeout that cannot be
--    honoured is refused when the task is written.

insert into scheduler_internal.settings (key, value, description) values
  ('edge_wall_clock_seconds', '150',
   'Edge Function wall clock of your plan: 150 (Free) or 400 (paid). A worker takes new requests until half of it and is killed at all of it; timeouts are capped from it.'),
  ('dispatch_lookahead', '"10 seconds"',
   'Runs due within this are handed to their action function ahead, to wait for their second there (fewer invocations; the policies are still judged at the second).'),
  ('dispatch_loop_seconds', '60',
   'How long one dispatcher invocation keeps looking for due work before the next minute''s tick takes over.'),
  ('start_grace', '"30 seconds"',
   'A claimed run not started this long after its due time (its action function died or never got it) goes back to the queue.'),
  ('dispatch_retry_interval', '"1 second"',
   'When due work was left because another session held it, the dispatcher looks again after this long.')
on conflict (key) do nothing;

-- settings the triggers and the dispatcher read, as numbers
create or replace function scheduler_internal.dispatch_lookahead() returns interval
language sql stable security definer
set search_path = ''
as $$
  select coalesce((scheduler_internal.setting('dispatch_lookahead') #>> '{}')::interval, interval '10 seconds')
$$;
comment on function scheduler_internal.dispatch_lookahead() is 'The dispatch_lookahead setting.';
revoke execute on function scheduler_internal.dispatch_lookahead() from public, anon, authenticated;
grant execute on function scheduler_internal.dispatch_lookahead() to authenticated, service_role;

create or replace function scheduler_internal.max_run_seconds() returns integer
language sql stable security definer
set search_path = ''
as $$
  -- a run may reach a worker just before its half-life, wait up to the
  -- lookahead for its second, and must end before the worker is killed
  select (coalesce((scheduler_internal.setting('edge_wall_clock_seconds'))::integer, 150) / 2
          - extract(epoch from scheduler_internal.dispatch_lookahead())::integer - 5)
$$;
comment on function scheduler_internal.max_run_seconds() is 'The longest timeout_seconds the platform can honour: edge_wall_clock_seconds / 2 - dispatch_lookahead - 5 s.';
revoke execute on function scheduler_internal.max_run_seconds() from public, anon, authenticated;
grant execute on function scheduler_internal.max_run_seconds() to authenticated, service_role;

create or replace function scheduler_internal.tg_tasks__check_timeout() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_max integer := scheduler_internal.max_run_seconds();
begin
  if new.timeout_seconds > v_max then
    raise exception 'timeout_seconds % cannot be honoured: a run may last at most % s here', new.timeout_seconds, v_max
      using errcode = '22023',
            detail = 'An Edge Function worker runs at most edge_wall_clock_seconds (150 s on Free, 400 s on paid plans) and takes new requests only in its first half; the run also waits up to dispatch_lookahead for its second.',
            hint = 'Lower timeout_seconds, or on a paid plan: update scheduler_internal.settings set value = ''400'' where key = ''edge_wall_clock_seconds''.';
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg_tasks__check_timeout() is 'Refuses a timeout_seconds the Edge Functions platform cannot honour (see scheduler_internal.max_run_seconds()).';
revoke execute on function scheduler_internal.tg_tasks__check_timeout() from public, anon, authenticated;

create trigger _012_check_timeout before insert or update of timeout_seconds on scheduler.tasks
for each row execute function scheduler_internal.tg_tasks__check_timeout();

-- one key per due time, kept by its retries
alter table scheduler.task_runs add column idempotency_key text;
comment on column scheduler.task_runs.idempotency_key is
  'The same for every attempt of one due time (the first attempt''s id unless set): sent as webhook-id / Idempotency-Key, so a receiver can tell a resend.';
comment on column scheduler.task_runs.lease_expires_at is
  'claimed: given back to the queue if not started by then. running: past it the outcome is unknown; the run is failed and retried under the same idempotency key.';
comment on column scheduler.task_runs.locked_by is 'The dispatcher invocation that claimed the run; only its action may start and record it.';
comment on column scheduler.task_runs.start_time is 'When the start gate let the run begin (null until then).';

drop index scheduler.task_runs_lease_idx;
create index task_runs_lease_idx on scheduler.task_runs (lease_expires_at) where status in ('claimed', 'running');
drop index scheduler.task_runs_status_idx;
create index task_runs_status_idx on scheduler.task_runs (status, task_id)
where status in ('queued', 'awaiting_approval', 'claimed', 'running');

create or replace view scheduler.active_tasks with (security_invoker = true) as
select
  t.id as task_id,
  t.name,
  t.owner_id,
  p.name as project_name,
  r.id as run_id,
  r.status,
  r.attempt,
  r.scheduled_time,
  r.locked_at,
  r.locked_by,
  r.lease_expires_at,
  (r.status = 'running' and r.lease_expires_at > now()) as is_actively_locked
from scheduler.task_runs r
join scheduler.tasks t on t.id = r.task_id
left join scheduler.projects p on p.id = t.project_id
where r.status in ('queued', 'awaiting_approval', 'claimed', 'running')
order by r.locked_at desc nulls last;
comment on view scheduler.active_tasks is 'Runs waiting, claimed or running, with their lease (seed 001 active_tasks); is_actively_locked only for started runs.';

-- resuming keeps the schedule: what fell due while paused is not a misfire
create or replace function scheduler_internal.tg_tasks__schedule() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := scheduler_internal.clock_now();
begin
  if tg_op = 'INSERT'
     or new.schedule_cron is distinct from old.schedule_cron
     or new.schedule_interval is distinct from old.schedule_interval
     or new.run_at is distinct from old.run_at
     or new.timezone is distinct from old.timezone
     or (new.is_active and not old.is_active) then
    -- a one-off in the past still runs once (as a catch-up) unless misfires are skipped
    new.next_run_at := case
      when new.run_at is not null and new.run_at <= v_now and new.misfire_policy = 'run_once' then new.run_at
      else scheduler_internal.next_due_time(new.schedule_cron, new.schedule_interval, new.run_at, new.timezone, v_now)
    end;
  end if;
  return new;
end;
$$;
comment on function scheduler_internal.tg_tasks__schedule() is 'Computes next_run_at on insert, schedule changes and resume (resuming continues from the next due time; a past one-off runs once under misfire_policy run_once).';

-- who looks next, and when. One row. A writer whose work falls due before
-- that look wakes a dispatcher; the dispatcher's plan waits for such writers
-- (they hold this row FOR SHARE until they commit), so the plan sees them.
create table scheduler_internal.dispatcher_looks (
  id boolean primary key default true check (id),
  looker text,
  awake_until timestamptz,
  next_look_at timestamptz,
  planned_at timestamptz
);
comment on table scheduler_internal.dispatcher_looks is
  'The dispatcher invocation that is looking for due work (looker), until when it stays (awake_until), and when it claims next (next_look_at, null: nobody before the next minute''s tick).';
alter table scheduler_internal.dispatcher_looks enable row level security;
revoke all on scheduler_internal.dispatcher_looks from public, anon, authenticated;
grant select, update on scheduler_internal.dispatcher_looks to service_role;
insert into scheduler_internal.dispatcher_looks default values on conflict do nothing;

-- the debounce: when a wake was last sent. A separate row from the looks, so
-- a writer never upgrades its share lock there (two writers would deadlock)
create table scheduler_internal.dispatcher_wakes (
  id boolean primary key default true check (id),
  last_wake_at timestamptz,
  last_reason text,
  wakes bigint not null default 0
);
comment on table scheduler_internal.dispatcher_wakes is 'When writes last woke a dispatcher (debounce), why, and how many times in all.';
alter table scheduler_internal.dispatcher_wakes enable row level security;
revoke all on scheduler_internal.dispatcher_wakes from public, anon, authenticated;
grant select on scheduler_internal.dispatcher_wakes to service_role;
insert into scheduler_internal.dispatcher_wakes default values on conflict do nothing;

grant select, update on scheduler_internal.dispatcher_heartbeat to service_role;
grant select on scheduler_internal.signing_secrets to service_role;

-- a write has made work due at p_due: wake a dispatcher unless one will look
-- in time (a second before it, at the latest).
create or replace function scheduler_internal.request_dispatch(p_due timestamptz, p_reason text default 'immediate')
returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  v_now timestamptz := scheduler_internal.clock_now();
  v_looks scheduler_internal.dispatcher_looks;
  v_sent boolean;
begin
  -- the tick after next looks in time, whenever this transaction commits
  if p_due is null or p_due >= date_trunc('minute', v_now) + interval '2 minutes' then
    return false;
  end if;
  -- held until commit: a dispatcher cannot plan its next look while this
  -- transaction is open (it looks again shortly instead), so whoever plans
  -- next sees this work
  select * into v_looks from scheduler_internal.dispatcher_looks for share;
  -- a looker that is late for its own look by more than a moment has died
  -- (a killed worker never clears the row): it is not trusted to look
  -- in time means a second ahead: the look hands the run over to its
  -- action, which must have it before its second
  if v_looks.awake_until > v_now and v_looks.next_look_at <= p_due - interval '1 second'
     and v_looks.next_look_at >= v_now - interval '2 seconds' then
    return false;
  end if;
  -- the next minute's tick claims it in time: its plan comes after this commit
  if p_due >= date_trunc('minute', v_now) + interval '1 minute' then
    return false;
  end if;
  -- debounce: a wake sent since the last plan brings a dispatcher whose plan
  -- will see this work too
  update scheduler_internal.dispatcher_wakes w
  set last_wake_at = v_now, last_reason = p_reason, wakes = w.wakes + 1
  where w.last_wake_at is null
     or w.last_wake_at <= coalesce(v_looks.planned_at, '-infinity')
     or w.last_wake_at < v_now - interval '10 seconds'
  returning true into v_sent;
  if v_sent then
    perform scheduler_internal.wake_dispatcher(p_reason);
  end if;
  return coalesce(v_sent, false);
end;
$$;
comment on function scheduler_internal.request_dispatch(timestamptz, text) is
  'Wakes a dispatcher through pg_net when work falls due at p_due and no dispatcher will look by then; at most one wake until a dispatcher has planned (debounce).';
revoke execute on function scheduler_internal.request_dispatch(timestamptz, text) from public, anon, authenticated;
grant execute on function scheduler_internal.request_dispatch(timestamptz, text) to service_role;

-- queued runs due soon (manual, events, approvals, retries, dependents)
create or replace function scheduler_internal.tg_task_runs__wake_dispatcher() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_due timestamptz;
begin
  select min(scheduled_time) into v_due from new_runs where status = 'queued';
  if v_due is not null then
    perform scheduler_internal.request_dispatch(v_due, 'queued run');
  end if;
  return null;
end;
$$;
comment on function scheduler_internal.tg_task_runs__wake_dispatcher() is 'Asks for a dispatcher when runs are queued (manual, event, retry, dependency); debounced in scheduler_internal.request_dispatch.';

-- tasks created, edited or resumed with a due time before the next look
create or replace function scheduler_internal.tg_tasks__wake_dispatcher_on_insert() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_due timestamptz;
begin
  select min(next_run_at) into v_due from new_tasks where is_active and deleted_at is null;
  if v_due is not null then
    perform scheduler_internal.request_dispatch(v_due, 'task due soon');
  end if;
  return null;
end;
$$;
comment on function scheduler_internal.tg_tasks__wake_dispatcher_on_insert() is 'Asks for a dispatcher when new tasks fall due before it would look.';
revoke execute on function scheduler_internal.tg_tasks__wake_dispatcher_on_insert() from public, anon, authenticated;

create trigger _910_wake_dispatcher_on_insert after insert on scheduler.tasks
referencing new table as new_tasks
for each statement execute function scheduler_internal.tg_tasks__wake_dispatcher_on_insert();

create or replace function scheduler_internal.tg_tasks__wake_dispatcher_on_update() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform scheduler_internal.request_dispatch(new.next_run_at, 'task due soon');
  return null;
end;
$$;
comment on function scheduler_internal.tg_tasks__wake_dispatcher_on_update() is 'Asks for a dispatcher when an edited or resumed task falls due before it would look.';
revoke execute on function scheduler_internal.tg_tasks__wake_dispatcher_on_update() from public, anon, authenticated;

-- only the user's edits (the columns that move next_run_at): the claim's own
-- advance of next_run_at never wakes anyone
create trigger _911_wake_dispatcher_on_update after update of schedule_cron, schedule_interval, run_at, timezone, is_active, misfire_policy
on scheduler.tasks
for each row
when (new.is_active and new.deleted_at is null and new.next_run_at is not null
      and new.next_run_at is distinct from old.next_run_at
      and new.next_run_at < now() + interval '2 minutes')
execute function scheduler_internal.tg_tasks__wake_dispatcher_on_update();

-- the dispatcher, after a claim that took everything it could: registers as
-- the one looking and says when to claim next (null: stop, nothing is due
-- before p_until, or a newer invocation took over)
create or replace function scheduler.plan_next_look(p_worker text, p_now timestamptz, p_until timestamptz)
returns timestamptz
language plpgsql
set search_path = ''
as $$
declare
  v_looks scheduler_internal.dispatcher_looks;
  v_lookahead interval := scheduler_internal.dispatch_lookahead();
  v_retry interval := coalesce((scheduler_internal.setting('dispatch_retry_interval') #>> '{}')::interval, interval '1 second');
  v_due timestamptz;
  v_next timestamptz;
  v_left boolean;
begin
  if p_worker is null or p_now is null or p_until is null then
    raise exception 'plan_next_look: p_worker, p_now and p_until are required' using errcode = '22023';
  end if;
  -- the writers holding the row for share must have committed before the
  -- statements below take their snapshots. Never wait for them: a user's
  -- long transaction would stall the dispatcher. Look again shortly instead
  -- (nothing is planned, so nothing they wrote can be missed)
  begin
    select * into v_looks from scheduler_internal.dispatcher_looks for update nowait;
  exception when lock_not_available then
    return p_now + v_retry;
  end;
  -- a newer invocation (it stays later) is looking: this one stops. An older
  -- one finds this one at its next plan and stops likewise
  if v_looks.looker is distinct from p_worker and v_looks.awake_until > p_now and v_looks.awake_until > p_until then
    return null;
  end if;

  -- the earliest due time still to hand over. A run comes within reach a
  -- lookahead before its second, but a round hands over at least 80 % of a
  -- lookahead of due times: without that floor, runs spread over the minute
  -- were claimed one by one as each came within reach, one action call per
  -- due instant (999 invocations per 1,000 runs in bench/). And never later
  -- than a second before the run is due.
  select least(
    (select min(t.next_run_at) from scheduler.tasks t
     where t.is_active and t.deleted_at is null and t.next_run_at > p_now),
    (select min(r.scheduled_time) from scheduler.task_runs r
     where r.status = 'queued' and r.scheduled_time > p_now)
  ) into v_due;
  v_next := least(greatest(v_due - v_lookahead, p_now + v_lookahead * 0.8), v_due - interval '1 second');

  -- work already due that the claim left although it could run: another
  -- session held it (SKIP LOCKED); look again shortly. Work that waits for a
  -- prerequisite or for a running run is woken by the write that frees it.
  select exists (
    select 1 from scheduler.tasks t
    where t.is_active and t.deleted_at is null and t.next_run_at <= p_now
      and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = t.id)
           or scheduler_internal.dependencies_satisfied(t.id))
  ) or exists (
    select 1 from scheduler.task_runs r
    cross join lateral (select t.overlap_policy, t.deleted_at from scheduler.tasks t where t.id = r.task_id offset 0) t
    where r.status = 'queued' and r.scheduled_time <= p_now and t.deleted_at is null
      and (t.overlap_policy = 'allow' or not exists (
        select 1 from scheduler.task_runs o where o.task_id = r.task_id and o.status in ('claimed', 'running')))
  ) into v_left;
  if v_left then
    v_next := least(v_next, p_now + v_retry);
  end if;

  if v_next is null or v_next > p_until then
    update scheduler_internal.dispatcher_looks
    set looker = null, awake_until = null, next_look_at = null, planned_at = p_now
    where looker is null or looker = p_worker or awake_until <= p_now;
    return null;
  end if;
  v_next := greatest(v_next, p_now);
  update scheduler_internal.dispatcher_looks
  set looker = p_worker, awake_until = p_until, next_look_at = v_next, planned_at = p_now;
  return v_next;
end;
$$;
comment on function scheduler.plan_next_look(text, timestamptz, timestamptz) is
  'service_role (dispatcher): registers the caller as the invocation looking for due work until p_until and returns when it should claim next; null means stop.';
revoke execute on function scheduler.plan_next_look(text, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function scheduler.plan_next_look(text, timestamptz, timestamptz) to service_role;

-- the claim: due tasks become runs, due queued runs are taken; the runs come
-- back `claimed` for their action to start at their second
drop function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval);
create function scheduler.claim_due_runs(
  p_limit integer default 100,
  p_now timestamptz default now(),
  p_lookahead interval default null,
  p_worker text default 'dispatcher',
  p_lease interval default null
) returns table (
  run_id uuid,
  task_id uuid,
  attempt integer,
  scheduled_time timestamptz,
  triggered_by text,
  lease_expires_at timestamptz,
  action_type text,
  action_payload jsonb,
  timeout_seconds integer,
  inputs jsonb,
  task jsonb,
  steps jsonb,
  idempotency_key text
)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_grace interval := coalesce((scheduler_internal.setting('misfire_grace') #>> '{}')::interval, interval '2 minutes');
  v_lookahead interval := coalesce(p_lookahead, scheduler_internal.dispatch_lookahead());
  v_start_grace interval := coalesce(p_lease, (scheduler_internal.setting('start_grace') #>> '{}')::interval, interval '30 seconds');
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'claim_due_runs: p_limit must be at least 1, got %', p_limit using errcode = '22023';
  end if;
  update scheduler_internal.dispatcher_heartbeat set last_tick_at = p_now;

  return query
  -- the best due tasks, a few times the batch, in a bounded top-N sort of
  -- narrow rows (locking at this level would sort every due row in full)
  with candidates as (
    select c.ctid as row_address
    from scheduler.tasks c
    where c.is_active
      and c.deleted_at is null
      and c.next_run_at <= p_now + v_lookahead
      and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = c.id)
           or scheduler_internal.dependencies_satisfied(c.id))
    order by c.priority desc, c.next_run_at
    limit p_limit * 4
  ),
  -- then lock them, found again by address; the conditions are rechecked on
  -- the row's latest version
  due as (
    select t.ctid as row_address, t.*
    from candidates c
    join scheduler.tasks t on t.ctid = c.row_address
    where t.is_active
      and t.deleted_at is null
      and t.next_run_at <= p_now + v_lookahead
    order by t.priority desc, t.next_run_at
    limit p_limit
    for no key update of t skip locked
  ),
  -- materialized: every later step must see the same generated ids.
  -- Only a due time missed while the scheduler was down is judged here; the
  -- rest waits for the run's second (start_runs)
  decided as materialized (
    select
      d.*,
      d.next_run_at < p_now - v_grace as missed,
      case
        when d.next_run_at < p_now - v_grace and d.misfire_policy = 'skip' then 'skipped'
        when d.requires_approval then 'awaiting_approval'
        else 'claimed'
      end::scheduler.run_status as run_state,
      case when d.next_run_at < p_now - v_grace then p_now else d.next_run_at end as due_at,
      scheduler_internal.next_due_time(d.schedule_cron, d.schedule_interval, null, d.timezone,
        case when d.next_run_at < p_now - v_grace then p_now else d.next_run_at end) as following,
      scheduler_internal.uuid_v7() as new_run_id
    from due d
  ),
  advanced as (
    update scheduler.tasks t
    set next_run_at = d.following,
        last_run_at = case when d.run_state = 'skipped' then t.last_run_at else greatest(t.last_run_at, d.due_at) end
    from decided d
    where t.ctid = d.row_address
  ),
  created as (
    insert into scheduler.task_runs (
      id, task_id, scheduled_time, status, attempt, triggered_by,
      start_time, end_time, error_message, log_summary, locked_at, locked_by, lease_expires_at
    )
    select
      d.new_run_id, d.id, d.due_at, d.run_state, 1, 'schedule',
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped'
        then 'skipped: due at ' || d.next_run_at || ', missed while the scheduler was down (misfire_policy skip)' end,
      case when d.run_state = 'skipped' then jsonb_build_object('skipped_occurrences', 1, 'last_scheduled_time', d.next_run_at) end,
      case when d.run_state = 'claimed' then p_now end,
      case when d.run_state = 'claimed' then p_worker end,
      case when d.run_state = 'claimed' then d.due_at + v_start_grace end
    from decided d
    returning id, status
  ),
  -- approvals read the inserted runs, so the runs exist when the approval's
  -- own check looks for them; both sides are only the held runs. They expire
  -- from the run's due time
  approvals as (
    insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at)
    select d.id, d.new_run_id, d.action_type,
      jsonb_build_object('scheduled_time', d.due_at, 'task_name', d.name), 'system', d.due_at + d.approval_ttl
    from created c
    join decided d on d.new_run_id = c.id
    where c.status = 'awaiting_approval' and d.run_state = 'awaiting_approval'
    returning id, run_id
  ),
  approval_notices as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select d.owner_id, 'Approval needed: ' || d.name,
      'A run of "' || d.name || '" is waiting for your approval.', 'approval', 'high', 'web', d.id, d.new_run_id,
      jsonb_build_object('approval_id', a.id)
    from approvals a
    join decided d on d.new_run_id = a.run_id
    where d.run_state = 'awaiting_approval'
  ),
  waiting as (
    select r.ctid as row_address, r.id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.inputs,
      coalesce(r.idempotency_key, r.id::text) as idempotency_key,
      greatest(r.scheduled_time, p_now) + v_start_grace as lease_until,
      t.action_type, t.action_payload, t.timeout_seconds, t.name, t.owner_id, t.timezone, t.tags,
      t.priority, t.max_attempts, t.metadata
    from scheduler.task_runs r
    -- one primary-key probe per queued run (offset 0 keeps it a probe)
    cross join lateral (
      select t.deleted_at, t.overlap_policy, t.timeout_seconds, t.action_type, t.action_payload, t.name,
        t.owner_id, t.timezone, t.tags, t.priority, t.max_attempts, t.metadata
      from scheduler.tasks t
      where t.id = r.task_id
      offset 0
    ) t
    where r.status = 'queued'
      and r.scheduled_time <= p_now + v_lookahead
      and t.deleted_at is null
      -- unless the task allows overlap: nothing of it is claimed or running,
      -- and this is the head of its queue
      and (t.overlap_policy = 'allow' or not exists (
        select 1 from scheduler.task_runs o
        where o.task_id = r.task_id
          and (o.status in ('claimed', 'running')
               or (o.status = 'queued' and (o.scheduled_time, o.id) < (r.scheduled_time, r.id)))
      ))
    order by t.priority desc, r.scheduled_time
    limit p_limit
    for update of r skip locked
  ),
  taken as (
    update scheduler.task_runs r
    set status = 'claimed', locked_at = p_now, locked_by = p_worker,
        lease_expires_at = greatest(r.scheduled_time, p_now) + v_start_grace
    where r.ctid = any (array(select w.row_address from waiting w))
  ),
  -- what is handed over: the new claimed runs and the queued runs taken
  handed as (
    select d.new_run_id as run_id, d.id as task_id, 1 as attempt, d.due_at as scheduled_time,
      'schedule'::text as triggered_by, d.due_at + v_start_grace as lease_expires_at, null::jsonb as inputs,
      d.new_run_id::text as idempotency_key,
      d.action_type, d.action_payload, d.timeout_seconds, d.name, d.owner_id, d.timezone, d.tags,
      d.priority, d.max_attempts, d.metadata
    from decided d
    where d.run_state = 'claimed'
    union all
    select w.id, w.task_id, w.attempt, w.scheduled_time, w.triggered_by, w.lease_until, w.inputs,
      w.idempotency_key,
      w.action_type, w.action_payload, w.timeout_seconds, w.name, w.owner_id, w.timezone, w.tags,
      w.priority, w.max_attempts, w.metadata
    from waiting w
  )
  select
    r.run_id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.lease_expires_at,
    r.action_type, r.action_payload, r.timeout_seconds, r.inputs,
    jsonb_build_object(
      'id', r.task_id, 'name', r.name, 'owner_id', r.owner_id, 'timezone', r.timezone, 'tags', to_jsonb(r.tags),
      'priority', r.priority, 'max_attempts', r.max_attempts, 'metadata', r.metadata, 'signing_secret', sec.secret
    ),
    coalesce((
      select jsonb_agg(jsonb_build_object(
        'id', s.id, 'step_order', s.step_order, 'step_name', s.step_name, 'instructions', s.instructions,
        'include_previous_context', s.include_previous_context, 'context_data', s.context_data
      ) order by s.step_order)
      from scheduler.task_steps s where s.task_id = r.task_id
    ), '[]'::jsonb),
    r.idempotency_key
  from handed r
  left join scheduler_internal.signing_secrets sec on sec.user_id = r.owner_id and r.action_type = 'http'
  order by r.scheduled_time, r.priority desc;
end;
$$;
comment on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) is
  'service_role (dispatcher): turns tasks due within p_lookahead (default: the dispatch_lookahead setting) into runs and takes due queued runs, all `claimed` by p_worker for their action to start at their second through start_runs. Applies dependencies, approvals and misfires of a stopped scheduler; SKIP LOCKED under concurrency.';
revoke execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) from public, anon, authenticated;
grant execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) to service_role;

-- the start gate: called by an action function at the runs' second. Only
-- the runs it answers `started` may be sent.
create or replace function scheduler.start_runs(p_run_ids uuid[], p_worker text, p_now timestamptz default now())
returns table (run_id uuid, outcome text, message text)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_grace interval := coalesce((scheduler_internal.setting('misfire_grace') #>> '{}')::interval, interval '2 minutes');
  v_margin interval := coalesce((scheduler_internal.setting('lease_margin') #>> '{}')::interval, interval '2 minutes');
  v_decided jsonb;
  v_skip record;
  v_into uuid;
begin
  if p_run_ids is null or p_worker is null then
    raise exception 'start_runs: p_run_ids and p_worker are required' using errcode = '22023';
  end if;
  -- two gates starting runs of one task at the same second would both see
  -- nothing running: the tasks that judge overlap are taken one gate at a
  -- time (in id order, so gates never wait on each other in a circle)
  -- (each run's task is one primary-key probe, whatever the statistics say)
  perform pg_advisory_xact_lock(hashtextextended('scheduler.start_runs:' || x.task_id::text, 0))
  from (
    select distinct r.task_id
    from scheduler.task_runs r
    cross join lateral (select t.overlap_policy from scheduler.tasks t where t.id = r.task_id offset 0) t
    where r.id = any (p_run_ids) and r.status = 'claimed' and r.locked_by = p_worker and t.overlap_policy <> 'allow'
    order by r.task_id
  ) x;

  -- a new statement, so a gate that waited above sees the other's starts
  with locked as (
    select r.id, r.task_id, r.scheduled_time, r.triggered_by
    from scheduler.task_runs r
    where r.id = any (p_run_ids) and r.status = 'claimed' and r.locked_by = p_worker
    for update of r
  ),
  asked as (
    select l.*, t.is_active, t.deleted_at, t.overlap_policy, t.misfire_policy,
      row_number() over (partition by l.task_id order by l.scheduled_time, l.id) as nth
    from locked l
    cross join lateral (
      select t.is_active, t.deleted_at, t.overlap_policy, t.misfire_policy
      from scheduler.tasks t where t.id = l.task_id offset 0
    ) t
  ),
  judged as (
    select a.*,
      -- what is running now: a started run of the task, or an earlier run of
      -- this same call (which starts first)
      (a.nth > 1 or exists (
        select 1 from scheduler.task_runs o where o.task_id = a.task_id and o.status = 'running'
      )) as overlapping,
      exists (
        select 1 from scheduler.task_runs o where o.task_id = a.task_id and o.status = 'queued'
      ) as one_waiting,
      -- lateness is the scheduler's, not a person's: a run someone approved
      -- late runs when approved
      a.triggered_by = 'schedule' and p_now > a.scheduled_time + v_grace and a.misfire_policy = 'skip'
        and not exists (select 1 from scheduler.approvals ap where ap.run_id = a.id and ap.status = 'approved') as too_late,
      a.deleted_at is null and (a.is_active or a.triggered_by = 'manual') as allowed
    from asked a
  )
  select jsonb_agg(jsonb_build_object(
    'run_id', j.id, 'task_id', j.task_id, 'scheduled_time', j.scheduled_time, 'triggered_by', j.triggered_by,
    'outcome', case
      when not j.allowed then 'cancelled'
      when j.too_late then 'skipped'
      when j.overlapping and j.overlap_policy = 'skip' then 'skipped'
      when j.overlapping and j.overlap_policy = 'queue' and j.one_waiting then 'skipped'
      when j.overlapping and j.overlap_policy = 'queue' then 'queued'
      else 'started'
    end,
    'message', case
      when j.deleted_at is not null then 'cancelled: the task was deleted before this run started'
      when not j.allowed then 'cancelled: the task was paused before this run started'
      when j.too_late then
        'skipped: it could start only ' || date_trunc('second', p_now - j.scheduled_time) || ' after its due time, later than misfire_grace (misfire_policy skip)'
      when j.overlapping and j.overlap_policy = 'skip' then 'skipped: the previous run was still going (overlap_policy skip)'
      when j.overlapping and j.overlap_policy = 'queue' and j.one_waiting then
        'skipped: a run was already waiting behind the running one (overlap_policy queue)'
      when j.overlapping and j.overlap_policy = 'queue' then 'queued behind the running run (overlap_policy queue)'
    end))
  into v_decided
  from judged j;

  if v_decided is null then
    v_decided := '[]'::jsonb;
  end if;

  with decided as (
    select * from jsonb_to_recordset(v_decided) as x(
      run_id uuid, task_id uuid, scheduled_time timestamptz, triggered_by text, outcome text, message text)
  ),
  started as (
    update scheduler.task_runs r
    set status = 'running', start_time = p_now,
        lease_expires_at = p_now + make_interval(secs => t.timeout_seconds) + v_margin
    from decided x
    cross join lateral (select t.timeout_seconds from scheduler.tasks t where t.id = x.task_id offset 0) t
    where r.id = x.run_id and x.outcome = 'started'
  ),
  requeued as (
    update scheduler.task_runs r
    set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null
    from decided x
    where r.id = x.run_id and x.outcome = 'queued'
  ),
  ended as (
    update scheduler.task_runs r
    set status = x.outcome::scheduler.run_status, start_time = p_now, end_time = p_now, lease_expires_at = null,
        error_message = x.message,
        log_summary = case when x.outcome = 'skipped'
          then jsonb_build_object('skipped_occurrences', 1, 'last_scheduled_time', x.scheduled_time) end
    from decided x
    where r.id = x.run_id and x.outcome in ('cancelled', 'skipped')
  )
  -- manual, event, retry and dependency runs move last_run_at here (the
  -- claim moves it for scheduled runs, under the lock it already holds)
  update scheduler.tasks t
  set last_run_at = greatest(t.last_run_at, p_now)
  where t.id = any (array(
    select x.task_id from decided x where x.outcome = 'started' and x.triggered_by <> 'schedule'));

  -- a run of skips in a row is one row: each further skip with the same
  -- reason folds into the task's latest run when that is such a skip (a
  -- sub-minute task behind a slow run would otherwise write a row per
  -- occurrence). Only skips take this path, rarely more than one a call.
  for v_skip in
    select x.run_id, x.task_id, x.scheduled_time, x.message
    from jsonb_to_recordset(v_decided) as x(run_id uuid, task_id uuid, scheduled_time timestamptz, outcome text, message text)
    where x.outcome = 'skipped'
    order by x.scheduled_time
  loop
    v_into := null;
    select p.id into v_into
    from (
      select r.id, r.status, r.error_message from scheduler.task_runs r
      where r.task_id = v_skip.task_id and r.id <> v_skip.run_id and r.scheduled_time <= v_skip.scheduled_time
        and r.status not in ('queued', 'awaiting_approval', 'claimed')
      order by r.scheduled_time desc, r.id desc
      limit 1
    ) p
    where p.status = 'skipped' and p.error_message = v_skip.message;
    if v_into is not null then
      update scheduler.task_runs r
      set log_summary = jsonb_build_object(
            'skipped_occurrences', coalesce((r.log_summary ->> 'skipped_occurrences')::integer, 1) + 1,
            'last_scheduled_time', v_skip.scheduled_time),
          end_time = p_now
      where r.id = v_into;
      delete from scheduler.task_runs r where r.id = v_skip.run_id;
      v_decided := (
        select jsonb_agg(case when e ->> 'run_id' = v_skip.run_id::text
          then e || jsonb_build_object('message', (e ->> 'message') || ' (counted on run ' || v_into || ')') else e end)
        from jsonb_array_elements(v_decided) e);
    end if;
  end loop;

  -- a run this worker already started answers started again: a gate call
  -- whose answer was lost is repeated, and the runs it started must still be
  -- executed (only this worker, which did not get the answer, can)
  return query
  select a.id,
    coalesce(x.outcome, case when again.id is not null then 'started' else 'not_claimed' end),
    coalesce(x.message, case
      when again.id is not null then 'already started by ' || p_worker || ' (the gate was asked again)'
      when x.run_id is null then 'not claimed by ' || p_worker || ' any more (cancelled, given back or finished)' end)
  from unnest(p_run_ids) as a(id)
  left join jsonb_to_recordset(v_decided) as x(run_id uuid, outcome text, message text) on x.run_id = a.id
  left join lateral (
    select r.id from scheduler.task_runs r
    where x.run_id is null and r.id = a.id and r.status = 'running' and r.locked_by = p_worker
  ) again on true;
end;
$$;
comment on function scheduler.start_runs(uuid[], text, timestamptz) is
  'service_role (action functions): the start gate, at the runs'' second. Judges each claimed run of p_worker now: paused or deleted task (cancelled), lateness against misfire_grace, overlap against what is running now (skip, queue, allow). Returns one row per id; only outcome started may be executed.';
revoke execute on function scheduler.start_runs(uuid[], text, timestamptz) from public, anon, authenticated;
grant execute on function scheduler.start_runs(uuid[], text, timestamptz) to service_role;

-- an action function definitely refused the runs: back to the queue at once
create or replace function scheduler.release_runs(p_run_ids uuid[], p_worker text, p_now timestamptz default now())
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  update scheduler.task_runs r
  set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null
  where r.id = any (p_run_ids) and r.status = 'claimed' and r.locked_by = p_worker;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function scheduler.release_runs(uuid[], text, timestamptz) is
  'service_role (dispatcher): gives claimed runs back to the queue when their action function refused them; nothing was sent.';
revoke execute on function scheduler.release_runs(uuid[], text, timestamptz) from public, anon, authenticated;
grant execute on function scheduler.release_runs(uuid[], text, timestamptz) to service_role;

-- the completion: as the actions report, per worker
drop function scheduler.complete_runs(jsonb, timestamptz);
create function scheduler.complete_runs(p_results jsonb, p_now timestamptz default now(), p_worker text default null)
returns table (run_id uuid, outcome text, retry_run_id uuid)
language plpgsql
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  v_lookahead interval := scheduler_internal.dispatch_lookahead();
  v_task_ids uuid[];
begin
  if p_results is null or jsonb_typeof(p_results) <> 'array' then
    raise exception 'complete_runs: p_results must be a JSON array of results' using errcode = '22023';
  end if;
  if exists (
    select 1 from jsonb_array_elements(p_results) e
    where e ->> 'status' is null or e ->> 'status' not in ('completed', 'failed') or e ->> 'run_id' is null
  ) then
    raise exception 'complete_runs: every result needs run_id and status completed or failed' using errcode = '22023';
  end if;

  return query
  with results as (
    select *
    from jsonb_to_recordset(p_results) as x(
      run_id uuid, status text, retryable boolean, output jsonb, log text, log_summary jsonb,
      error_message text, started_at timestamptz, ended_at timestamptz, steps jsonb
    )
  ),
  finished as (
    update scheduler.task_runs r
    set status = x.status::scheduler.run_status,
        start_time = coalesce(r.start_time, x.started_at),
        end_time = greatest(coalesce(x.ended_at, p_now), coalesce(r.start_time, x.started_at, p_now)),
        output = x.output,
        log = x.log,
        log_summary = x.log_summary,
        error_message = case when x.status = 'failed' then coalesce(x.error_message, 'failed without a message') end,
        lease_expires_at = null
    from results x
    where r.id = x.run_id
      and (p_worker is null or r.locked_by = p_worker)
      -- a claimed run never started: it can only have failed before it began
      and (r.status = 'running' or (r.status = 'claimed' and x.status = 'failed'))
    returning r.*, coalesce(x.retryable, false) as retryable, x.steps
  ),
  judged as (
    select f.*, t.owner_id, t.task_name, t.max_attempts, t.retry_backoff_seconds, t.retry_backoff_max_seconds,
      (f.status = 'failed' and f.retryable and f.attempt < t.max_attempts and t.deleted_at is null) as will_retry
    from finished f
    -- one primary-key probe per finished run (offset 0 keeps it a probe)
    cross join lateral (
      select t.owner_id, t.name as task_name, t.max_attempts, t.retry_backoff_seconds, t.retry_backoff_max_seconds, t.deleted_at
      from scheduler.tasks t
      where t.id = f.task_id
      offset 0
    ) t
  ),
  retries as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, idempotency_key)
    select j.task_id, p_now + scheduler_internal.retry_delay(j.id, j.attempt, j.retry_backoff_seconds, j.retry_backoff_max_seconds),
      'queued', j.attempt + 1, 'retry', j.inputs, coalesce(j.idempotency_key, j.id::text)
    from judged j where j.will_retry
    returning id, task_id, attempt
  ),
  alerts as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select j.owner_id, 'Task failed: ' || j.task_name,
      coalesce(j.error_message, 'failed') || ' (attempt ' || j.attempt || ' of ' || j.max_attempts || ')',
      'error', 'high', 'web', j.task_id, j.id,
      jsonb_build_object('attempt', j.attempt, 'scheduled_time', j.scheduled_time)
    from judged j where j.status = 'failed' and not j.will_retry
  ),
  step_results as (
    update scheduler.task_steps s
    set status = coalesce(st.status, s.status),
        execution_result = coalesce(st.result, '{}'::jsonb),
        execution_started_at = st.started_at,
        execution_completed_at = st.ended_at,
        error_message = st.error_message,
        retry_count = coalesce(st.retry_count, 0),
        run_id = j.id
    from judged j
    cross join lateral jsonb_to_recordset(coalesce(j.steps, '[]'::jsonb)) as st(
      id uuid, status text, result jsonb, started_at timestamptz, ended_at timestamptz, error_message text, retry_count integer
    )
    where s.id = st.id and s.task_id = j.task_id
  ),
  -- dependents without a schedule of their own run when their prerequisites are
  -- satisfied; scheduled dependents simply become eligible at their next due time
  dependents as (
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs)
    select distinct d.task_id, p_now, 'queued'::scheduler.run_status, 1, 'dependency',
      jsonb_build_object('prerequisite_run_id', j.id, 'prerequisite_task_id', j.task_id)
    from judged j
    join scheduler.task_dependencies d on d.depends_on_task_id = j.task_id
    cross join lateral (
      select t.type, t.is_active, t.deleted_at from scheduler.tasks t where t.id = d.task_id offset 0
    ) t
    where not j.will_retry
      and t.type <> 'scheduled' and t.is_active and t.deleted_at is null
      and (d.dependency_type = 'always' or (d.dependency_type = 'success') = (j.status = 'completed'))
      -- the other prerequisites (this statement cannot see the run it just finished)
      and not exists (
        select 1 from scheduler.task_dependencies o
        where o.task_id = d.task_id and o.depends_on_task_id <> j.task_id
          and not scheduler_internal.edge_satisfied(o.depends_on_task_id, o.dependency_type)
      )
  )
  select x.run_id,
    case
      when j.id is null then 'ignored: the run is not running for this worker (finished, cancelled or taken back)'
      when j.will_retry then 'retry scheduled'
      else j.status::text
    end,
    rt.id
  from results x
  left join judged j on j.id = x.run_id
  left join retries rt on rt.task_id = j.task_id and rt.attempt = j.attempt + 1;

  -- a run that waited behind one of these (overlap_policy queue), or a
  -- scheduled dependent whose prerequisite just finished, can go now. Each
  -- finished run's task, and each task's waiting run, is a probe by key.
  v_task_ids := array(
    select distinct f.task_id
    from jsonb_array_elements(p_results) e
    cross join lateral (select f.task_id from scheduler.task_runs f where f.id = (e ->> 'run_id')::uuid offset 0) f);
  if exists (
    select 1 from unnest(v_task_ids) as x(task_id)
    cross join lateral (
      select 1 from scheduler.task_runs q
      where q.task_id = x.task_id and q.status = 'queued' and q.scheduled_time <= p_now + v_lookahead
      limit 1
    ) q
  ) or exists (
    select 1 from unnest(v_task_ids) as x(task_id)
    cross join lateral (
      select 1 from scheduler.task_dependencies d
      cross join lateral (select t.is_active, t.deleted_at, t.next_run_at from scheduler.tasks t where t.id = d.task_id offset 0) t
      where d.depends_on_task_id = x.task_id and t.is_active and t.deleted_at is null and t.next_run_at <= p_now + v_lookahead
      limit 1
    ) d
  ) then
    perform scheduler_internal.request_dispatch(p_now, 'a run finished');
  end if;
end;
$$;
comment on function scheduler.complete_runs(jsonb, timestamptz, text) is
  'service_role (action functions): records ActionResults (shared/contract.ts) as runs end, in one statement: status, output, log, steps; retries with backoff under the same idempotency key; final-failure notifications; dependents. With p_worker, only that worker''s runs are recorded.';
revoke execute on function scheduler.complete_runs(jsonb, timestamptz, text) from public, anon, authenticated;
grant execute on function scheduler.complete_runs(jsonb, timestamptz, text) to service_role;

-- leases: a claimed run nobody started was never sent and is given back; a
-- started run whose worker went quiet has an unknown outcome
create or replace function scheduler.reap_expired_leases(p_now timestamptz default now())
returns table (run_id uuid, outcome text, retry_run_id uuid)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_results jsonb;
begin
  return query
  with given_back as (
    update scheduler.task_runs r
    set status = 'queued', locked_at = null, locked_by = null, lease_expires_at = null
    where r.id = any (array(
      select c.id from scheduler.task_runs c
      where c.status = 'claimed' and c.lease_expires_at < p_now
      order by c.lease_expires_at
      limit 1000
      for update skip locked))
    returning r.id
  )
  select g.id, 'given back: claimed but never started, nothing was sent'::text, null::uuid from given_back g;

  select jsonb_agg(jsonb_build_object(
    'run_id', r.id, 'status', 'failed', 'retryable', true,
    'error_message', 'outcome unknown: the run started at ' || r.start_time || ' and its worker (' || coalesce(r.locked_by, '?')
      || ') reported nothing before its lease expired at ' || r.lease_expires_at
      || '; a retry is sent with the same idempotency key (' || coalesce(r.idempotency_key, r.id::text) || ')'
  ))
  into v_results
  from (
    select id, start_time, lease_expires_at, locked_by, idempotency_key from scheduler.task_runs
    where status = 'running' and lease_expires_at < p_now
    order by lease_expires_at
    limit 1000
    for update skip locked
  ) r;
  if v_results is null then
    return;
  end if;
  return query select * from scheduler.complete_runs(v_results, p_now);
end;
$$;
comment on function scheduler.reap_expired_leases(timestamptz) is
  'service_role: gives back claimed runs nobody started (nothing was sent), and fails started runs whose lease expired as outcome unknown, retried per policy under the same idempotency key. No run stays claimed or running forever.';
revoke execute on function scheduler.reap_expired_leases(timestamptz) from public, anon, authenticated;
grant execute on function scheduler.reap_expired_leases(timestamptz) to service_role;

-- cancel reaches a claimed run: it has not started, so nothing will be sent
create or replace function scheduler.cancel_task(p_task_id uuid, p_now timestamptz default now())
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  v_cancelled integer;
begin
  if not scheduler_internal.acting_as_system() and not scheduler_internal.can_edit_task(p_task_id) then
    raise exception 'cancel_task: you may not cancel task %', p_task_id using errcode = '42501';
  end if;
  update scheduler.tasks set is_active = false where id = p_task_id;
  if not found then
    raise exception 'cancel_task: task % does not exist', p_task_id using errcode = 'P0002';
  end if;
  update scheduler.task_runs
  set status = 'cancelled', end_time = p_now, lease_expires_at = null,
      error_message = 'task cancelled by ' || coalesce((select auth.uid())::text, 'system')
  where task_id = p_task_id and status in ('queued', 'awaiting_approval', 'claimed', 'running');
  get diagnostics v_cancelled = row_count;
  update scheduler.approvals set status = 'expired', notes = coalesce(notes, 'task cancelled')
  where task_id = p_task_id and status = 'pending';
  return v_cancelled;
end;
$$;
comment on function scheduler.cancel_task(uuid, timestamptz) is 'Pauses the task (is_active = false, audited) and cancels its unfinished runs, claimed ones included (nothing is sent for them); returns how many.';
