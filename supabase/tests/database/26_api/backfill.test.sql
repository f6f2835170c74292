-- scheduler.backfill: one run per past slot of the task's schedule in the
-- range that has no run yet: previewed by default, created with p_preview
-- false, exactly once per slot however often it is called (the concurrent
-- case: tests/engine/runs-concurrency.test.ts), bounded by the
-- backfill_max_slots setting, and refused with 22023 naming the parameter
-- for a bad range or a task without a schedule. Cron slots are in the
-- task's timezone (across a DST change here); interval slots follow the
-- task's grid; a slot counts as run when a scheduled or backfill run falls
-- in it. Owners, editors and admins; others hear what an unknown id gets.
begin;
\ir ../_helpers/setup.psql
select plan(26);

select tests.seed_users();
set local scheduler.now = '2031-04-02 12:00:00+00';
update scheduler_internal.dispatcher_looks set looker = null, awake_until = null, next_look_at = null, planned_at = null;
update scheduler_internal.dispatcher_wakes set last_wake_at = null;

-- 02:00 in Berlin: 01:00 UTC in winter time, 00:00 in summer time (from
-- Sunday 30 March 2031, when 02:00 does not exist and the job runs at 03:00)
select tests.mk_task('daily', '{"cron": "0 2 * * *", "timezone": "Europe/Berlin"}');
update scheduler.tasks set name = 'Nightly export' where id = tests.fx('daily');
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values
  (tests.fx('daily'), tests.fx('viewer'), true, false),
  (tests.fx('daily'), tests.fx('editor'), true, true);
-- its history: the 28th ran on time, the 29th was caught up at 05:00 after
-- downtime, and someone ran it by hand at exactly the 31st's slot
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by) values
  (tests.fx('daily'), '2031-03-28 01:00:00+00', 'completed', 'schedule'),
  (tests.fx('daily'), '2031-03-29 05:00:00+00', 'completed', 'schedule'),
  (tests.fx('daily'), '2031-03-31 00:00:00+00', 'completed', 'manual');

select tests.authenticate_as('owner');
select results_eq($$ select slot, run_id from scheduler.backfill(tests.fx('daily'), '2031-03-27 00:00:00+00', '2031-04-05 00:00:00+00', true, '2031-04-02 12:00:00+00') $$,
  $$ values ('2031-03-27 01:00:00+00'::timestamptz, null::uuid), ('2031-03-30 01:00:00+00', null), ('2031-03-31 00:00:00+00', null),
            ('2031-04-01 00:00:00+00', null), ('2031-04-02 00:00:00+00', null) $$,
  'the preview: the slots in the task''s timezone (summer time from the 30th) up to now that have no scheduled run; a manual run at a slot does not fill it, a catch-up inside a slot does');
select results_eq($$ select slot from scheduler.backfill(tests.fx('daily'), '2031-03-27 00:00:00+00', '2031-04-05 00:00:00+00', p_now => '2031-04-02 12:00:00+00') $$,
  $$ values ('2031-03-27 01:00:00+00'::timestamptz), ('2031-03-30 01:00:00+00'), ('2031-03-31 00:00:00+00'), ('2031-04-01 00:00:00+00'), ('2031-04-02 00:00:00+00') $$,
  'without p_preview it is a preview too');
select tests.clear_authentication();
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('daily')), 3, 'and a preview creates nothing');

select tests.dispatcher_wakes() as wakes_before \gset
select tests.authenticate_as('owner');
create temp table made on commit drop as
select * from scheduler.backfill(tests.fx('daily'), '2031-03-27 00:00:00+00', '2031-04-05 00:00:00+00', false, '2031-04-02 12:00:00+00');
select tests.clear_authentication();
select is((select array_agg(slot order by slot) from made where run_id is not null),
  array['2031-03-27 01:00:00+00', '2031-03-30 01:00:00+00', '2031-03-31 00:00:00+00', '2031-04-01 00:00:00+00', '2031-04-02 00:00:00+00']::timestamptz[],
  'with p_preview false it returns the same slots, each with its new run');
select results_eq($$ select r.scheduled_time, r.status::text, r.triggered_by, r.attempt, r.requested_by, r.inputs, r.idempotency_key
  from made m join scheduler.task_runs r on r.id = m.run_id order by m.slot $$,
  $$ select s, 'queued', 'backfill', 1, tests.fx('owner'), null::jsonb, null::text
     from unnest(array['2031-03-27 01:00:00+00', '2031-03-30 01:00:00+00', '2031-03-31 00:00:00+00', '2031-04-01 00:00:00+00', '2031-04-02 00:00:00+00']::timestamptz[]) s $$,
  'each a queued backfill run due at its slot (so {{run.scheduled_time}} is the slot), recorded as the owner''s, with a key of its own');
select is(tests.dispatcher_wakes() - :wakes_before, 1, 'the dispatcher is woken at once');

select tests.authenticate_as('editor');
select is_empty($$ select * from scheduler.backfill(tests.fx('daily'), '2031-03-27 00:00:00+00', '2031-04-05 00:00:00+00', false, '2031-04-02 12:05:00+00') $$,
  'a second backfill of the same range finds every slot filled (an editor may backfill too)');
select is_empty($$ select * from scheduler.backfill(tests.fx('daily'), '2031-03-27 00:00:00+00', '2031-04-05 00:00:00+00', true, '2031-04-02 12:05:00+00') $$,
  'and so does its preview');
select tests.clear_authentication();
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('daily')), 8, 'exactly one run per slot');
select throws_ok(format($$ insert into scheduler.task_runs (task_id, scheduled_time, triggered_by) values (%L, '2031-03-27 01:00:00+00', 'backfill') $$, tests.fx('daily')),
  '23505', null, 'whatever else happens, a slot has one backfill run: a second is a unique violation');
-- the 28th's run failed for good: a slot whose run failed counts as run
update scheduler.task_runs set status = 'failed' where task_id = tests.fx('daily') and scheduled_time = '2031-03-28 01:00:00+00';
select is_empty($$ select * from scheduler.backfill(tests.fx('daily'), '2031-03-28 00:00:00+00', '2031-03-28 23:00:00+00', true, '2031-04-02 12:06:00+00') $$,
  'a slot whose run failed is not backfilled (replay_runs replays it)');

-- an interval task keeps its grid: its next due time, stepped back by the
-- interval. Its older runs (before a pause moved the grid) still count for
-- the slots they fall in; its next due time is the schedule's own, even
-- while it is overdue
set local scheduler.now = '2031-04-02 12:00:00+00';
select tests.mk_task('hourly', '{"every": "1 hour"}');
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by) values
  (tests.fx('hourly'), '2031-04-02 08:05:00+00', 'completed', 'schedule'),
  (tests.fx('hourly'), '2031-04-02 09:05:00+00', 'completed', 'schedule');
select results_eq($$ select slot from scheduler.backfill(tests.fx('hourly'), '2031-04-02 06:30:00+00', '2031-04-02 14:00:00+00', true, '2031-04-02 14:00:00+00') $$,
  $$ values ('2031-04-02 07:00:00+00'::timestamptz), ('2031-04-02 10:00:00+00'), ('2031-04-02 11:00:00+00'), ('2031-04-02 12:00:00+00') $$,
  'interval slots on the grid of the next due time (13:00); an old run at 08:05 fills the 08:00 slot; 13:00 (overdue, not yet claimed) and later are the schedule''s');
update scheduler.tasks set is_active = false where id = tests.fx('hourly');
select results_eq($$ select slot from scheduler.backfill(tests.fx('hourly'), '2031-04-02 11:30:00+00', '2031-04-02 14:30:00+00', true, '2031-04-02 14:00:00+00') $$,
  $$ values ('2031-04-02 12:00:00+00'::timestamptz), ('2031-04-02 13:00:00+00'), ('2031-04-02 14:00:00+00') $$,
  'a paused task''s slots go up to now, both ends of the range included');

-- a one-off that never ran (missed, misfire_policy skip) is one slot
select tests.mk_task('once', '{"run_at": "2031-04-01 09:00:00+00", "misfire": "skip"}');
select results_eq($$ select slot from scheduler.backfill(tests.fx('once'), '2031-04-01 00:00:00+00', '2031-04-02 00:00:00+00', false, '2031-04-02 12:00:00+00') $$,
  $$ values ('2031-04-01 09:00:00+00'::timestamptz) $$, 'a one-off that never ran is backfilled once');
select is_empty($$ select * from scheduler.backfill(tests.fx('once'), '2031-04-01 00:00:00+00', '2031-04-02 00:00:00+00', true, '2031-04-02 12:00:00+00') $$,
  'and then has its run');

-- bounded: the limit is a setting, and the refusal names it
update scheduler_internal.settings set value = '5' where key = 'backfill_max_slots';
select tests.authenticate_as('owner');
select throws_ok($$ select * from scheduler.backfill(tests.fx('daily'), '2031-02-01 00:00:00+00', '2031-03-01 00:00:00+00', false, '2031-04-02 12:00:00+00') $$,
  '22023', 'backfill: the range from 2031-02-01 00:00:00+00 to 2031-03-01 00:00:00+00 holds more than 5 slots of task "Nightly export" (the backfill_max_slots setting); backfill a shorter range (p_from, p_to)',
  'a range with more slots than backfill_max_slots is refused, naming the limit');
select is((select count(*)::integer from scheduler.backfill(tests.fx('daily'), '2031-02-01 00:00:00+00', '2031-02-05 12:00:00+00', true, '2031-04-02 12:00:00+00')), 5,
  'a range of exactly backfill_max_slots slots is taken');
select throws_ok($$ select * from scheduler.backfill(tests.fx('daily'), '2031-03-01 00:00:00+00', '2031-02-01 00:00:00+00') $$,
  '22023', 'backfill: p_from (2031-03-01 00:00:00+00) is after p_to (2031-02-01 00:00:00+00)', 'a range that ends before it starts is refused');
select throws_ok($$ select * from scheduler.backfill(tests.fx('daily'), null, '2031-02-01 00:00:00+00') $$,
  '22023', 'backfill: p_from and p_to are required (the range of due times to fill)', 'a range needs both ends');
select throws_ok($$ select * from scheduler.backfill(tests.fx('daily'), '-infinity', '2031-02-01 00:00:00+00') $$,
  '22023', 'backfill: p_from and p_to must be finite times, got -infinity and 2031-02-01 00:00:00+00', 'finite ones');
select tests.clear_authentication();
select tests.mk_task('on_event', '{"type": "event"}');
update scheduler.tasks set name = 'Order hook' where id = tests.fx('on_event');
select tests.authenticate_as('owner');
select throws_ok($$ select * from scheduler.backfill(tests.fx('on_event'), '2031-02-01 00:00:00+00', '2031-02-02 00:00:00+00') $$,
  '22023', 'backfill: p_task_id: task "Order hook" has no schedule (schedule_cron, schedule_interval or run_at) to backfill', 'a task without a schedule is refused');

select tests.authenticate_as('other');
select throws_ok(format($$ select * from scheduler.backfill(%L, '2031-02-01 00:00:00+00', '2031-02-02 00:00:00+00', false) $$, tests.fx('daily')),
  'P0002', format('backfill: task %s does not exist', tests.fx('daily')), 'another user cannot backfill the owner''s task: it does not exist for them');
select throws_ok($$ select * from scheduler.backfill('00000000-0000-4000-8000-000000000000', '2031-02-01 00:00:00+00', '2031-02-02 00:00:00+00') $$,
  'P0002', 'backfill: task 00000000-0000-4000-8000-000000000000 does not exist', 'the same answer as for an id that exists nowhere');
select tests.authenticate_as('viewer');
select throws_ok(format($$ select * from scheduler.backfill(%L, '2031-02-01 00:00:00+00', '2031-02-02 00:00:00+00', false) $$, tests.fx('daily')),
  '42501', 'backfill: you may not backfill task "Nightly export" (its owner, editors and admins may)', 'a viewer is refused by the task''s name');
select tests.authenticate_as('admin');
select is((select count(*)::integer from scheduler.backfill(tests.fx('daily'), '2031-02-01 00:00:00+00', '2031-02-02 00:00:00+00', false, '2031-04-02 12:00:00+00')), 1,
  'an admin backfills anyone''s task');
select tests.clear_authentication();
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('daily')), 9, 'nothing refused made a run');

select * from finish();
rollback;
