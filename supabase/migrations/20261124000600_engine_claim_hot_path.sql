-- the claim's hot path, measured by bench/ (drain and needle):
--  * a due task's prerequisites are checked only when it has any: the
--    function call per due task made each claim cost a call for every due
--    task, not for every task it claimed (10,000 due: 32 ms of an 80 ms claim);
--  * the engine's hot statements run with jit off: the claim's cost estimate
--    (a function per due task in it) crossed jit_above_cost, and LLVM spent
--    about 2 s compiling each claim once 100,000 tasks were due, and 1-3 s
--    per claim in the fan-out benchmark's third repetition;
--  * the due tasks are ranked by id in a bounded sort before any is locked:
--    locking in the ranking query made it sort every due row in full (a
--    backlog of 100,000 due tasks: 1.5-2.3 s per claim of 1,000, spilling to
--    disk; now a top-N sort);
--  * an owner's webhook signing secret is created with their first http task
--    (and backfilled here), so the claim no longer scans every due http task
--    to create secrets before it reads them, and the envelope is built inline
--    with a join instead of a function call per run.
-- The rules themselves (dependencies, overlap, misfire, approvals) are
-- unchanged from 20261124000570.

create or replace function scheduler_internal.tg_tasks__ensure_signing_secret() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_level = 'STATEMENT' then
    insert into scheduler_internal.signing_secrets (user_id)
    select distinct n.owner_id from new_tasks n where n.action_type = 'http' and n.owner_id is not null
    on conflict (user_id) do nothing;
  elsif new.owner_id is not null then
    insert into scheduler_internal.signing_secrets (user_id) values (new.owner_id) on conflict (user_id) do nothing;
  end if;
  return null;
end;
$$;
comment on function scheduler_internal.tg_tasks__ensure_signing_secret() is 'Gives the owner of an http task a webhook signing secret (scheduler_internal.signing_secrets) if they have none.';
revoke execute on function scheduler_internal.tg_tasks__ensure_signing_secret() from public, anon, authenticated;

-- statement level on insert, so a bulk insert costs one insert of its owners
create trigger _900_ensure_signing_secret after insert on scheduler.tasks
referencing new table as new_tasks
for each statement execute function scheduler_internal.tg_tasks__ensure_signing_secret();

-- transition tables cannot go with a column list, so changes are per row
create trigger _900_ensure_signing_secret_on_change after update of action_type, owner_id on scheduler.tasks
for each row when (new.action_type = 'http')
execute function scheduler_internal.tg_tasks__ensure_signing_secret();

insert into scheduler_internal.signing_secrets (user_id)
select distinct t.owner_id from scheduler.tasks t where t.action_type = 'http' and t.owner_id is not null
on conflict (user_id) do nothing;

create or replace function scheduler.claim_due_runs(
  p_limit integer default 100,
  p_now timestamptz default now(),
  p_lookahead interval default interval '0',
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
  steps jsonb
)
language plpgsql
set search_path = ''
-- an OLTP statement: never JIT-compiled (see the header)
set jit = off
as $$
#variable_conflict use_column
declare
  v_grace interval := coalesce((scheduler_internal.setting('misfire_grace') #>> '{}')::interval, interval '2 minutes');
  v_margin interval := coalesce(p_lease, (scheduler_internal.setting('lease_margin') #>> '{}')::interval, interval '2 minutes');
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'claim_due_runs: p_limit must be at least 1, got %', p_limit using errcode = '22023';
  end if;
  update scheduler_internal.dispatcher_heartbeat set last_tick_at = p_now;

  return query
  -- the best due tasks by id alone, a few times the batch: a bounded top-N
  -- sort of narrow rows. Locking in the same query level would force a full
  -- sort of every due row (wide ones, spilling to disk with 100,000 due)
  with candidates as (
    select c.id
    from scheduler.tasks c
    where c.is_active
      and c.deleted_at is null
      and c.next_run_at <= p_now + p_lookahead
      -- the function only for tasks that have prerequisites: one hashed
      -- lookup per due task instead of a function call per due task
      and (not exists (select 1 from scheduler.task_dependencies x where x.task_id = c.id)
           or scheduler_internal.dependencies_satisfied(c.id))
    order by c.priority desc, c.next_run_at
    limit p_limit * 4
  ),
  -- then lock; the conditions are repeated so a row another claimer advanced
  -- meanwhile is rechecked and dropped
  -- (a join, not "id in (candidates)": planned as a semi join it rescanned
  -- the candidates for every task, quadratic with stale statistics)
  due as (
    select t.*
    from candidates c
    join scheduler.tasks t on t.id = c.id
    where t.is_active
      and t.deleted_at is null
      and t.next_run_at <= p_now + p_lookahead
    order by t.priority desc, t.next_run_at
    limit p_limit
    for no key update of t skip locked
  ),
  planned as (
    select
      d.*,
      d.next_run_at < p_now - v_grace as missed,
      exists (
        select 1 from scheduler.task_runs r where r.task_id = d.id and r.status = 'running'
      ) as running_now,
      exists (
        select 1 from scheduler.task_runs r where r.task_id = d.id and r.status in ('queued', 'awaiting_approval')
      ) as waiting_now,
      scheduler_internal.next_due_time(d.schedule_cron, d.schedule_interval, null, d.timezone,
        case when d.next_run_at < p_now - v_grace then p_now else d.next_run_at end) as following
    from due d
  ),
  decided as (
    select
      p.*,
      case
        when p.missed and p.misfire_policy = 'skip' then 'skipped'
        when (p.running_now or p.waiting_now) and p.overlap_policy = 'skip' then 'skipped'
        -- queue: at most one run waits behind the running one
        when p.waiting_now and p.overlap_policy = 'queue' then 'skipped'
        when p.requires_approval then 'awaiting_approval'
        when p.running_now and p.overlap_policy = 'queue' then 'queued'
        else 'running'
      end::scheduler.run_status as run_state,
      case when p.missed then p_now else p.next_run_at end as due_at
    from planned p
  ),
  advanced as (
    update scheduler.tasks t
    set next_run_at = d.following
    from decided d
    where t.id = d.id
    returning t.id
  ),
  created as (
    insert into scheduler.task_runs (
      task_id, scheduled_time, status, attempt, triggered_by,
      start_time, end_time, error_message, locked_at, locked_by, lease_expires_at
    )
    select
      d.id, d.due_at, d.run_state, 1, 'schedule',
      case when d.run_state = 'skipped' then p_now end,
      case when d.run_state = 'skipped' then p_now end,
      case
        when d.run_state = 'skipped' and d.missed then 'skipped: missed while the scheduler was down (misfire_policy skip)'
        when d.run_state = 'skipped' and d.overlap_policy = 'queue' then 'skipped: a run was already waiting behind the running one (overlap_policy queue)'
        when d.run_state = 'skipped' then 'skipped: the previous run was still going (overlap_policy skip)'
      end,
      case when d.run_state = 'running' then p_now end,
      case when d.run_state = 'running' then p_worker end,
      case when d.run_state = 'running' then greatest(d.due_at, p_now) + make_interval(secs => d.timeout_seconds) + v_margin end
    from decided d
    returning *
  ),
  approvals as (
    insert into scheduler.approvals (task_id, run_id, action_type, details, requested_by, expires_at)
    select c.task_id, c.id, d.action_type, jsonb_build_object('scheduled_time', c.scheduled_time, 'task_name', d.name), 'system', p_now + d.approval_ttl
    from created c join decided d on d.id = c.task_id
    where c.status = 'awaiting_approval'
    returning id, task_id, run_id
  ),
  approval_notices as (
    insert into scheduler.notifications (user_id, title, message, type, priority, channel, task_id, run_id, data)
    select d.owner_id, 'Approval needed: ' || d.name,
      'A run of "' || d.name || '" is waiting for your approval.', 'approval', 'high', 'web', a.task_id, a.run_id,
      jsonb_build_object('approval_id', a.id)
    from approvals a join decided d on d.id = a.task_id
    returning id
  ),
  waiting as (
    select r.id
    from scheduler.task_runs r
    join scheduler.tasks t on t.id = r.task_id
    where r.status = 'queued'
      and r.scheduled_time <= p_now + p_lookahead
      and t.deleted_at is null
      -- unless the task allows overlap: nothing of it is running, and this is
      -- the head of its queue (concurrent claimers skip a locked head and do
      -- not take the one behind it, which they still see queued behind it)
      and (t.overlap_policy = 'allow' or not exists (
        select 1 from scheduler.task_runs o
        where o.task_id = r.task_id
          and (o.status = 'running'
               or (o.status = 'queued' and (o.scheduled_time, o.id) < (r.scheduled_time, r.id)))
      ))
    order by t.priority desc, r.scheduled_time
    limit p_limit
    for update of r skip locked
  ),
  taken as (
    update scheduler.task_runs r
    set status = 'running', locked_at = p_now, locked_by = p_worker,
        lease_expires_at = greatest(r.scheduled_time, p_now) + make_interval(secs => t.timeout_seconds) + v_margin
    from waiting w, scheduler.tasks t
    where r.id = w.id and t.id = r.task_id
    returning r.*
  ),
  running as (
    select c.* from created c where c.status = 'running'
    union all
    select k.* from taken k
  )
  select
    r.id, r.task_id, r.attempt, r.scheduled_time, r.triggered_by, r.lease_expires_at,
    t.action_type, t.action_payload, t.timeout_seconds, r.inputs,
    jsonb_build_object(
      'id', t.id, 'name', t.name, 'owner_id', t.owner_id, 'timezone', t.timezone, 'tags', to_jsonb(t.tags),
      'priority', t.priority, 'max_attempts', t.max_attempts, 'metadata', t.metadata, 'signing_secret', sec.secret
    ),
    coalesce((
      select jsonb_agg(jsonb_build_object(
        'id', s.id, 'step_order', s.step_order, 'step_name', s.step_name, 'instructions', s.instructions,
        'include_previous_context', s.include_previous_context, 'context_data', s.context_data
      ) order by s.step_order)
      from scheduler.task_steps s where s.task_id = t.id
    ), '[]'::jsonb)
  from running r
  join scheduler.tasks t on t.id = r.task_id
  left join scheduler_internal.signing_secrets sec on sec.user_id = t.owner_id and t.action_type = 'http'
  order by t.priority desc, r.scheduled_time;
end;
$$;
comment on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) is
  'service_role: turns due tasks into runs (dependencies, overlap, misfire, approval rules applied) and claims queued runs due within p_lookahead, with a lease; returns what the dispatcher executes. Safe under concurrency (SKIP LOCKED).';
revoke execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) from public, anon, authenticated;
grant execute on function scheduler.claim_due_runs(integer, timestamptz, interval, text, interval) to service_role;

drop function scheduler_internal.run_envelope(scheduler.task_runs, scheduler.tasks);

alter function scheduler.complete_runs(jsonb, timestamptz) set jit = off;
alter function scheduler.reap_expired_leases(timestamptz) set jit = off;
