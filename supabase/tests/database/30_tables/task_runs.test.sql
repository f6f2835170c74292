-- scheduler.task_runs beyond its policies (30_tables/rls_matrix): the
-- columns and indexes replays and backfills rely on. replay_of names the
-- run replayed and is cleared when that run is pruned; a user's own insert
-- cannot claim to replay anything; backfill runs are unique per task and
-- slot; the new triggers (replay, backfill) are the only new values.
begin;
\ir ../_helpers/setup.psql
select plan(10);

select tests.seed();
select tests.authenticate_as('owner');
select lives_ok(format($$ insert into scheduler.task_runs (task_id, scheduled_time, replay_of, triggered_by) values (%L, now(), %L, 'replay') $$,
  tests.fx('task'), tests.fx('other_run')), 'a user may insert a run naming any replay_of ...');
select tests.clear_authentication();
select results_eq($$ select triggered_by, replay_of from scheduler.task_runs where task_id = tests.fx('task') and requested_by = tests.fx('owner') $$,
  $$ values ('manual', null::uuid) $$, '... but it becomes a plain manual run of theirs: the replay link is the engine''s');

insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by) values (tests.fx('task2'), now(), 'failed', 'schedule');
select tests.remember('failed', (select id from scheduler.task_runs where task_id = tests.fx('task2')));
select tests.remember('replay', scheduler.replay_run(tests.fx('failed'), now()));
delete from scheduler.task_runs where id = tests.fx('failed');
select is((select replay_of from scheduler.task_runs where id = tests.fx('replay')), null, 'deleting (pruning) a replayed run clears the link');
select throws_ok(format($$ insert into scheduler.task_runs (task_id, scheduled_time, triggered_by) values (%L, now(), 'replayed') $$, tests.fx('task')),
  '23514', null, 'triggered_by takes replay and backfill, not anything');
-- the indexes a run's every version writes into (issue 17): the pruning's
-- is partial on final states, start_time has none
select ok((select pg_get_indexdef(i.indexrelid) ~ '\(created_at\) WHERE \(status = ANY \(ARRAY\[''completed''::scheduler.run_status, ''failed''::scheduler.run_status, ''cancelled''::scheduler.run_status, ''skipped''::scheduler.run_status\]\)\)'
           from pg_index i where i.indexrelid = 'scheduler.task_runs_created_at_idx'::regclass),
  'task_runs_created_at_idx (the pruning''s walk) holds finished runs only');
select is_empty($$ select indexrelid::regclass from pg_index i where i.indrelid = 'scheduler.task_runs'::regclass
                   and (select attnum from pg_attribute where attrelid = i.indrelid and attname = 'start_time') = any (i.indkey) $$,
  'no index of task_runs covers start_time, which no query orders or filters by');
select ok((select pg_get_indexdef(i.indexrelid) ~ 'UNIQUE INDEX .* \(task_id, scheduled_time\) WHERE \(triggered_by = ''backfill''::text\)'
           from pg_index i where i.indexrelid = 'scheduler.task_runs_backfill_slot_idx'::regclass),
  'task_runs_backfill_slot_idx: one backfill run per task and due time');
insert into scheduler.task_runs (task_id, scheduled_time, triggered_by) values (tests.fx('task'), '2031-01-01 00:00:00+00', 'backfill');
select lives_ok(format($$ insert into scheduler.task_runs (task_id, scheduled_time, triggered_by) values (%L, '2031-01-01 00:00:00+00', 'schedule') $$, tests.fx('task')),
  'a scheduled run at a backfilled slot is not refused by it (the backfill checks for those itself)');
select throws_ok(format($$ insert into scheduler.task_runs (task_id, scheduled_time, triggered_by) values (%L, '2031-01-01 00:00:00+00', 'backfill') $$, tests.fx('task')),
  '23505', null, 'a second backfill run at the slot is');
select ok((select pg_get_indexdef(i.indexrelid) ~ '\(replay_of\) WHERE \(replay_of IS NOT NULL\)'
           from pg_index i where i.indexrelid = 'scheduler.task_runs_replay_of_idx'::regclass),
  'task_runs_replay_of_idx: the replays of a run are found (and cleared) without a scan');

select * from finish();
rollback;
