-- takes an idempotency key for p_target (a run or an event about to be
-- inserted), or names the run or event that already holds it. One
-- statement decides: the insert collides on the key's primary key with
-- whoever holds it, committed or not (a concurrent request waits for the
-- holder's transaction, then sees its row), and takes over only a key taken
-- at least the idempotency_window setting ago (read now, so a change of the
-- setting applies to the keys already taken). Null: the key is p_target's
-- now, go on; otherwise the id of the run or event the repeat collapses to.
create or replace function scheduler_internal.claim_idempotency_key(
  p_scope text, p_scope_id uuid, p_key text, p_target uuid, p_now timestamptz
) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_window interval := coalesce((scheduler_internal.setting('idempotency_window') #>> '{}')::interval, interval '24 hours');
  v_taken uuid;
  v_holder uuid;
begin
  insert into scheduler_internal.idempotency_keys as k (scope, scope_id, key, run_id, event_id, taken_at)
  values (p_scope, p_scope_id, p_key,
          case when p_scope = 'run_task_now' then p_target end,
          case when p_scope = 'events' then p_target end,
          p_now)
  on conflict (scope, scope_id, key) do update
    set run_id = excluded.run_id, event_id = excluded.event_id, taken_at = excluded.taken_at
    where k.taken_at <= p_now - v_window
  returning coalesce(k.run_id, k.event_id) into v_taken;
  if v_taken is not null then
    return null;
  end if;
  -- a new statement: it sees the holder the insert collided with
  select coalesce(k.run_id, k.event_id) into v_holder
  from scheduler_internal.idempotency_keys k
  where k.scope = p_scope and k.scope_id = p_scope_id and k.key = p_key;
  return v_holder;
end;
$$;

comment on function scheduler_internal.claim_idempotency_key(text, uuid, text, uuid, timestamptz) is 'Takes an idempotency key (scope run_task_now: per task; events: per owner) for the run or event p_target and returns null; or returns the run or event that took it less than the idempotency_window setting before p_now. Concurrent requests with one key: one takes it, the others get its holder.';

-- only the scheduler's own security definer functions call it, as its owner
revoke execute on function scheduler_internal.claim_idempotency_key(text, uuid, text, uuid, timestamptz) from public, anon, authenticated, service_role;
