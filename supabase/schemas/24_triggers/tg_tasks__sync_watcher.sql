-- a watch task's state row follows the task: made with it, forgotten (seen
-- items, cursor, first poll) when what it watches changes, its error streak
-- cleared when it is resumed, removed when the task stops being a watcher.
-- Definer: the row is engine state that signed-in users only read.
create or replace function scheduler_internal.tg_tasks__sync_watcher() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or old.action_type is distinct from 'watch' then
    insert into scheduler.watchers (task_id) values (new.id) on conflict (task_id) do nothing;
    return null;
  end if;
  if new.action_type is distinct from 'watch' then
    delete from scheduler.watchers w where w.task_id = new.id;
    return null;
  end if;
  -- another feed (another URL, or another function or its arguments), or
  -- items picked or keyed differently: the old keys and cursor mean nothing
  -- there, and keeping them would emit every item again as new; the next
  -- poll is a first poll (seed_first_poll applies)
  if (old.action_payload -> 'source' ->> 'type', old.action_payload -> 'source' ->> 'url',
      old.action_payload -> 'source' ->> 'function', old.action_payload -> 'source' -> 'args', coalesce(old.action_payload ->> 'mode', 'items'),
      old.action_payload ->> 'items', old.action_payload ->> 'key', old.action_payload ->> 'cursor')
     is distinct from
     (new.action_payload -> 'source' ->> 'type', new.action_payload -> 'source' ->> 'url',
      new.action_payload -> 'source' ->> 'function', new.action_payload -> 'source' -> 'args', coalesce(new.action_payload ->> 'mode', 'items'),
      new.action_payload ->> 'items', new.action_payload ->> 'key', new.action_payload ->> 'cursor') then
    delete from scheduler.watcher_seen_items s where s.task_id = new.id;
    update scheduler.watchers w set cursor = null, last_success_at = null where w.task_id = new.id;
  end if;
  -- resuming (after it paused itself, or a person paused it) starts a new streak
  if new.is_active and not old.is_active then
    update scheduler.watchers w set error_count = 0, paused_at = null where w.task_id = new.id;
  end if;
  return null;
end;
$$;

comment on function scheduler_internal.tg_tasks__sync_watcher() is 'Keeps a watch task''s scheduler.watchers row: made on insert, reset (seen-set, cursor) when the source (type, url, function, args), mode, items, key or cursor changes, error streak cleared on resume, removed when action_type stops being watch.';

revoke execute on function scheduler_internal.tg_tasks__sync_watcher() from public, anon, authenticated;
