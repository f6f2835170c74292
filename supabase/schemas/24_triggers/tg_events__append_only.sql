-- events are append-only; the retention may delete the ones older than the
-- cutoff it names for the statement (scheduler.prune_events_before), and no
-- others. Only the table owner holds DELETE on events in the first place, and
-- truncate is refused to the owner too.
create or replace function scheduler_internal.tg_events__append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'TRUNCATE' then
    raise exception 'events are append-only: truncate is not allowed (the event_retention setting prunes them)'
      using errcode = '42501';
  end if;
  -- referential actions still apply: deleting a user removes their events,
  -- deleting a task or project clears the link (they run one trigger level down)
  if pg_catalog.pg_trigger_depth() > 1 then
    return case when tg_op = 'DELETE' then old else new end;
  end if;
  if tg_op = 'DELETE'
     and old.created_at < nullif(pg_catalog.current_setting('scheduler.prune_events_before', true), '')::timestamptz then
    return old;
  end if;
  raise exception 'events are append-only: % is not allowed', lower(tg_op)
    using errcode = '42501';
end;
$$;

comment on function scheduler_internal.tg_events__append_only() is 'Keeps the event log immutable for everyone, service work included; only the foreign keys'' cascades and the retention (events older than the cutoff scheduler_internal.prune_batch sets in scheduler.prune_events_before) may delete.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_events__append_only() from public, anon, authenticated;
