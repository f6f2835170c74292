-- A watcher's successful poll, in one transaction: the watch action hands
-- over every item it picked out of the answer, in the answer's order, each
-- with its dedupe key (and cursor value); this dedupes them against the
-- seen-set and the high-water mark, inserts one event per new item in order
-- (up to max_events_per_poll; the rest stay new for the next poll), remembers
-- what it emitted, moves the cursor, clears the error streak and prunes the
-- seen-set to its bounds. A crash before the commit leaves nothing done (the
-- next poll finds the same items new); after it, the items are seen, so a
-- poll that is repeated (a retry of a run whose outcome was unknown) emits
-- nothing twice. Only the worker running the poll can record it.
create function scheduler.record_watcher_poll(p_run_id uuid, p_worker text, p_items jsonb, p_now timestamptz default now())
returns jsonb
language plpgsql
set search_path = ''
set jit = off
as $$
declare
  v_task record;
  v_watcher record;
  v_payload jsonb;
  v_cap integer;
  v_limit integer;
  v_age interval;
  v_first boolean;
  v_seeding boolean;
  -- one instant for the events' ids, so they sort in the items' order: the
  -- poll's own, so the events of one watcher's polls sort in poll order too
  -- (two polls in one millisecond of the clock would sort at random)
  v_at timestamptz := p_now;
  v_keys text[];
  v_summary jsonb;
  v_mark jsonb;
  v_key text;
  v_changed boolean;
  v_event uuid;
  v_forgotten integer := 0;
  v_n integer;
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'record_watcher_poll: p_items must be a JSON array of {key, item, cursor}' using errcode = '22023';
  end if;
  if exists (
    select 1 from jsonb_array_elements(p_items) e
    where jsonb_typeof(e) <> 'object' or jsonb_typeof(e -> 'key') is distinct from 'string' or length(e ->> 'key') > 512
  ) then
    raise exception 'record_watcher_poll: every item needs a key, a string of at most 512 characters' using errcode = '22023';
  end if;

  -- a poll whose run is no longer running for this worker (reaped as
  -- outcome unknown, cancelled) records nothing: its retry polls again.
  -- Once a run leaves running it never returns to it, so no lock is needed
  select t.id, t.name, t.owner_id, t.project_id, t.action_type, t.action_payload into v_task
  from scheduler.task_runs r
  join scheduler.tasks t on t.id = r.task_id
  where r.id = p_run_id and r.status = 'running' and r.locked_by = p_worker;
  if not found then
    raise exception 'record_watcher_poll: run % is not running for worker % (finished, cancelled or taken back); nothing was recorded', p_run_id, p_worker
      using errcode = '55000';
  end if;
  if v_task.action_type <> 'watch' then
    raise exception 'record_watcher_poll: run % belongs to a % task, not a watcher', p_run_id, v_task.action_type using errcode = '22023';
  end if;
  -- one poll of a watcher at a time: another waits here, then sees what this one remembered
  select w.* into v_watcher from scheduler.watchers w where w.task_id = v_task.id for update;
  if not found then
    raise exception 'record_watcher_poll: task % has no watchers row', v_task.id using errcode = '55000';
  end if;

  v_payload := v_task.action_payload;
  v_cap := coalesce((v_payload ->> 'max_events_per_poll')::integer, 100);
  v_limit := coalesce((v_payload ->> 'seen_limit')::integer, 10000);
  v_age := make_interval(days => coalesce((v_payload ->> 'seen_max_age_days')::integer, 30));
  v_first := v_watcher.last_success_at is null;
  v_seeding := v_first and coalesce((v_payload ->> 'seed_first_poll')::boolean, true);

  -- mode hash: one item, the answer's hash; it is new when it differs from the last
  if coalesce(v_payload ->> 'mode', 'items') = 'hash' then
    if jsonb_array_length(p_items) <> 1 then
      raise exception 'record_watcher_poll: mode hash takes exactly one item (the answer''s hash), got %', jsonb_array_length(p_items)
        using errcode = '22023';
    end if;
    v_key := p_items -> 0 ->> 'key';
    v_changed := v_watcher.cursor is distinct from to_jsonb(v_key);
    if v_changed and not v_seeding then
      insert into scheduler.events (id, event_type, payload, project_id, task_id, user_id)
      values (scheduler_internal.uuid_v7_seq(v_at, 1), v_task.name,
        jsonb_build_object('key', v_key, 'item',
          case when jsonb_typeof(p_items -> 0 -> 'item') = 'object' then p_items -> 0 -> 'item' else '{}'::jsonb end
          || jsonb_build_object('hash', v_key, 'previous_hash', v_watcher.cursor)),
        v_task.project_id, v_task.id, v_task.owner_id)
      returning id into v_event;
    end if;
    update scheduler.watchers w
    set last_run = p_now, last_success_at = p_now, error_count = 0, cursor = to_jsonb(v_key)
    where w.task_id = v_task.id;
    return jsonb_build_object(
      'mode', 'hash', 'items_seen', 1, 'new', v_changed::integer, 'emitted', (v_event is not null)::integer,
      'seeded', (v_changed and v_seeding)::integer, 'first_poll', v_first, 'changed', v_changed,
      'hash', v_key, 'previous_hash', v_watcher.cursor, 'event_id', v_event);
  end if;

  v_keys := array(select distinct e ->> 'key' from jsonb_array_elements(p_items) e);
  if cardinality(v_keys) > v_limit then
    raise exception 'the answer lists % items, more than seen_limit (%): items still listed would be forgotten and emitted again; raise seen_limit or pick fewer items', cardinality(v_keys), v_limit
      using errcode = '22023';
  end if;

  with incoming as (
    select e ->> 'key' as key, e -> 'item' as item, e -> 'cursor' as cur, x.n
    from jsonb_array_elements(p_items) with ordinality as x(e, n)
  ),
  -- a key listed twice is one item: its first listing counts
  firsts as (
    select distinct on (i.key) i.* from incoming i order by i.key, i.n
  ),
  judged as (
    select f.*,
      exists (select 1 from scheduler.watcher_seen_items s where s.task_id = v_task.id and s.dedupe_key = f.key) as seen,
      -- below the high-water mark is old, even when the seen-set has forgotten it
      coalesce(case
        when jsonb_typeof(f.cur) = 'number' and jsonb_typeof(v_watcher.cursor) = 'number'
          then (f.cur #>> '{}')::numeric < (v_watcher.cursor #>> '{}')::numeric
        when jsonb_typeof(f.cur) = 'string' and jsonb_typeof(v_watcher.cursor) = 'string'
          then (f.cur #>> '{}') collate "C" < (v_watcher.cursor #>> '{}') collate "C"
      end, false) as below_mark
    from firsts f
  ),
  -- new items in order: by cursor when there is one (oldest first), then as listed
  fresh as (
    select j.*, row_number() over (
      order by case when jsonb_typeof(j.cur) = 'number' then (j.cur #>> '{}')::numeric end,
        case when jsonb_typeof(j.cur) = 'string' then (j.cur #>> '{}') collate "C" end,
        j.n) as pos
    from judged j
    where not j.seen and not j.below_mark
  ),
  emitted as (
    insert into scheduler.events (id, event_type, payload, project_id, task_id, user_id)
    select scheduler_internal.uuid_v7_seq(v_at, f.pos), v_task.name, jsonb_build_object('key', f.key, 'item', f.item),
      v_task.project_id, v_task.id, v_task.owner_id
    from fresh f
    where not v_seeding and f.pos <= v_cap
    order by f.pos
    returning id, payload ->> 'key' as key
  ),
  -- what was emitted (or, seeding, every new item) is seen; what the cap
  -- held back stays new
  remembered as (
    insert into scheduler.watcher_seen_items (task_id, dedupe_key, first_seen_at, last_seen_at, event_id)
    select v_task.id, f.key, p_now, p_now, e.id
    from fresh f
    left join emitted e on e.key = f.key
    where v_seeding or f.pos <= v_cap
    on conflict (task_id, dedupe_key) do nothing
    returning 1
  ),
  -- still listed: not forgotten for its age (at most one write an hour per key)
  refreshed as (
    update scheduler.watcher_seen_items s
    set last_seen_at = p_now
    from judged j
    where j.seen and s.task_id = v_task.id and s.dedupe_key = j.key and s.last_seen_at < p_now - interval '1 hour'
    returning 1
  )
  select
    jsonb_build_object(
      'mode', 'items',
      'items_seen', (select count(*) from incoming),
      'duplicates', (select count(*) from incoming) - (select count(*) from firsts),
      'already_seen', (select count(*) from judged j where j.seen),
      'below_cursor', (select count(*) from judged j where not j.seen and j.below_mark),
      'new', (select count(*) from fresh),
      'emitted', (select count(*) from emitted),
      'seeded', case when v_seeding then (select count(*) from remembered) else 0 end,
      'capped', not v_seeding and (select count(*) from fresh) > v_cap,
      'left_for_next_poll', case when v_seeding then 0 else greatest((select count(*) from fresh) - v_cap, 0) end,
      'max_events_per_poll', v_cap,
      'first_poll', v_first),
    -- fresh items are at or above the mark, and in cursor order: the last one remembered is the new mark
    (select f.cur from fresh f where v_seeding or f.pos <= v_cap order by f.pos desc limit 1)
  into v_summary, v_mark;

  update scheduler.watchers w
  set last_run = p_now, last_success_at = p_now, error_count = 0,
      cursor = case when jsonb_typeof(v_mark) in ('number', 'string') then v_mark else w.cursor end
  where w.task_id = v_task.id
  returning w.cursor into v_mark;

  -- the seen-set's bounds: keys not listed for seen_max_age_days, then, when
  -- it grew, the least recently seen beyond seen_limit (never one listed now)
  delete from scheduler.watcher_seen_items s where s.task_id = v_task.id and s.last_seen_at < p_now - v_age;
  get diagnostics v_forgotten = row_count;
  if (v_summary ->> 'emitted')::integer + (v_summary ->> 'seeded')::integer > 0 then
    delete from scheduler.watcher_seen_items s
    where s.task_id = v_task.id and s.dedupe_key in (
      select o.dedupe_key from scheduler.watcher_seen_items o
      where o.task_id = v_task.id and not exists (select 1 from unnest(v_keys) k(key) where k.key = o.dedupe_key)
      order by o.last_seen_at desc, o.dedupe_key desc
      offset greatest(v_limit - cardinality(v_keys), 0));
    get diagnostics v_n = row_count;
    v_forgotten := v_forgotten + v_n;
  end if;

  return v_summary || jsonb_build_object('forgotten', v_forgotten, 'cursor', v_mark);
end;
$$;

comment on function scheduler.record_watcher_poll(uuid, text, jsonb, timestamptz) is
  'service_role (the watch action): records a watcher''s successful poll in one transaction. p_items is every item picked out of the answer, in order, as {key, item, cursor}. Dedupes them against the seen-set and the cursor, inserts one event per new item in order (event_type the task''s name, owner the task''s owner) up to max_events_per_poll, or only remembers them on a first poll with seed_first_poll; moves the cursor, clears the error streak, prunes the seen-set. Returns the counts for the run''s log_summary.';

revoke execute on function scheduler.record_watcher_poll(uuid, text, jsonb, timestamptz) from public, anon, authenticated;

grant execute on function scheduler.record_watcher_poll(uuid, text, jsonb, timestamptz) to service_role;
