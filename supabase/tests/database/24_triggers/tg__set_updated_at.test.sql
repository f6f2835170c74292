-- scheduler_internal.tg__set_updated_at: every mutable table has updated_at
-- and stamps it with this one trigger on each update (the logs are not
-- mutable: events and audit_trail are immutable, system_logs is written by
-- service work, and a watcher's seen-set is written by its polls, which keep
-- last_seen_at).
begin;
\ir ../_helpers/setup.psql
select plan(3);

select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'scheduler'::regnamespace and c.relkind = 'r'
    and c.relname not in ('events', 'audit_trail', 'system_logs', 'watcher_seen_items')
    and not exists (
      select 1 from pg_trigger t
      join pg_attribute a on a.attrelid = c.oid and a.attname = 'updated_at' and not a.attisdropped
      where t.tgrelid = c.oid and t.tgfoid = 'scheduler_internal.tg__set_updated_at()'::regprocedure
        and t.tgtype & 2 = 2 and t.tgtype & 16 = 16  -- before, update
    )
$$, 'every mutable table in scheduler stamps updated_at with scheduler_internal.tg__set_updated_at()');

select tests.seed();
update scheduler.tasks set updated_at = '2000-01-01' where id = tests.fx('task');
select ok((select updated_at from scheduler.tasks where id = tests.fx('task')) > '2001-01-01', 'updated_at is stamped on every update, whatever the update sets it to');
update scheduler.checkpoints set label = 'v2', updated_at = '2000-01-01' where id = tests.fx('checkpoint');
select ok((select updated_at > '2001-01-01' from scheduler.checkpoints where id = tests.fx('checkpoint')), 'an edited checkpoint gets a fresh updated_at');

select * from finish();
rollback;
