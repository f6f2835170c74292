-- watcher_seen_items: a watcher's seen-set, one row per dedupe key, so that
-- only new items become events. Set-based: record_watcher_poll dedupes a
-- whole poll against it in one statement. Bounded by each watcher's
-- seen_limit (the least recently seen go first) and seen_max_age_days (a key
-- not seen in the feed for that long is forgotten), pruned at every poll.
-- An editor of the task may forget keys, so that those items are emitted
-- again when they are next seen.

create table scheduler.watcher_seen_items (
  task_id uuid not null references scheduler.watchers (task_id) on delete cascade,
  dedupe_key text not null,
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null,
  event_id uuid,
  primary key (task_id, dedupe_key),
  constraint watcher_seen_items_key_length check (length(dedupe_key) <= 512)
);

comment on table scheduler.watcher_seen_items is 'The dedupe keys a watcher has seen (its seen-set), bounded by seen_limit and seen_max_age_days; deleting a key makes its item new again.';

comment on column scheduler.watcher_seen_items.dedupe_key is 'The item''s key field (payload key), or the SHA-256 of its JSON with sorted keys; keys over 512 characters are kept as sha256:<hex>.';

comment on column scheduler.watcher_seen_items.last_seen_at is 'The last poll that listed it (refreshed at most hourly); the age bound counts from here, so an item still in the feed is never forgotten for its age.';

comment on column scheduler.watcher_seen_items.event_id is 'The event the item became; null when the first poll only remembered it (seed_first_poll). No foreign key: events are pruned by event_retention.';

-- the pruning by age and by size, per watcher
create index watcher_seen_items_last_seen_idx on scheduler.watcher_seen_items (task_id, last_seen_at);

alter table scheduler.watcher_seen_items enable row level security;

-- watcher_seen_items: whoever sees the task reads them; its editors forget
-- them; only service work records them
revoke all on table scheduler.watcher_seen_items from anon, authenticated, service_role;

grant select, delete on table scheduler.watcher_seen_items to authenticated;

grant select, insert, update, delete on table scheduler.watcher_seen_items to service_role;

create policy "Seen items are visible to those who can see the watcher's task" on scheduler.watcher_seen_items
  for select to authenticated using (scheduler_internal.can_view_task(task_id));

create policy "Seen items can be forgotten by editors of the watcher's task" on scheduler.watcher_seen_items
  for delete to authenticated using (scheduler_internal.can_edit_task(task_id));
