-- the room each capped owner has left under its cap on runs in flight
-- ({owner_id: n}): its own max_in_flight, else p_owner_cap (the
-- owner_max_in_flight setting), less its runs claimed or running (one pass
-- over the open runs). The claim reads it before each of its two
-- statements, so the queued statement sees what the due one claimed.
-- Called only when some owner has a cap
create or replace function scheduler_internal.owner_rooms(p_owner_cap integer)
returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_object_agg(coalesce(f.owner_id, l.owner_id), coalesce(l.max_in_flight, p_owner_cap) - coalesce(f.in_flight, 0))
  from (
    select t.owner_id, count(*)::integer as in_flight
    from scheduler.task_runs o
    cross join lateral (select t.owner_id from scheduler.tasks t where t.id = o.task_id offset 0) t
    where o.status in ('claimed', 'running')
    group by t.owner_id
  ) f
  full join (select l.owner_id, l.max_in_flight from scheduler.owner_limits l where l.max_in_flight is not null) l
    on l.owner_id = f.owner_id
  where coalesce(l.max_in_flight, p_owner_cap) is not null
$$;

comment on function scheduler_internal.owner_rooms(integer) is 'The claim''s room per capped owner ({owner_id: n}): its max_in_flight or p_owner_cap (the owner_max_in_flight setting) less its runs claimed or running.';

revoke execute on function scheduler_internal.owner_rooms(integer) from public, anon, authenticated;

grant execute on function scheduler_internal.owner_rooms(integer) to service_role;
