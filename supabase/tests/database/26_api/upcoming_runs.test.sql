-- scheduler.upcoming_runs: the next n due times of a task, in its timezone
-- (as Trigger.dev's upcoming[]), saying what is true: a paused task and a
-- task without a schedule have none, a one-off has its one time until it
-- has run, an interval task's times follow its next due time. Anyone who
-- sees the task may ask; p_count out of range is 22023 naming it.
begin;
\ir ../_helpers/setup.psql
select plan(12);

select tests.seed_users();
set local scheduler.now = '2031-10-25 12:00:00+00';
select tests.mk_task('daily', '{"cron": "30 2 * * *", "timezone": "America/New_York"}');
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values (tests.fx('daily'), tests.fx('viewer'), true, false);

select tests.authenticate_as('viewer');
-- New York leaves summer time on Sunday 2 November 2031
select results_eq($$ select due_at, local_time, timezone from scheduler.upcoming_runs(tests.fx('daily'), 3, '2031-11-01 12:00:00+00') $$,
  $$ values ('2031-11-02 07:30:00+00'::timestamptz, '2031-11-02 02:30:00'::timestamp, 'America/New_York'),
            ('2031-11-03 07:30:00+00', '2031-11-03 02:30:00', 'America/New_York'),
            ('2031-11-04 07:30:00+00', '2031-11-04 02:30:00', 'America/New_York') $$,
  'the next cron times in the task''s timezone, with their wall-clock time there, across the end of summer time (anyone who sees the task may ask)');
select is((select count(*)::integer from scheduler.upcoming_runs(tests.fx('daily'))), 10, 'ten by default, after now');
select is((select min(due_at) from scheduler.upcoming_runs(tests.fx('daily'), 1, '2031-11-02 07:30:00+00')), '2031-11-03 07:30:00+00'::timestamptz,
  'strictly after p_after');
select tests.clear_authentication();

-- an interval task: from its next due time on
select tests.mk_task('every90', '{"every": "90 minutes"}');
select results_eq($$ select due_at from scheduler.upcoming_runs(tests.fx('every90'), 3, '2031-10-25 12:00:00+00') $$,
  $$ values ('2031-10-25 13:30:00+00'::timestamptz), ('2031-10-25 15:00:00+00'), ('2031-10-25 16:30:00+00') $$,
  'an interval task''s times step from its next due time');
select results_eq($$ select due_at from scheduler.upcoming_runs(tests.fx('every90'), 2, '2031-10-25 15:10:00+00') $$,
  $$ values ('2031-10-25 16:30:00+00'::timestamptz), ('2031-10-25 18:00:00+00') $$, 'on the same grid later on');

-- paused: nothing runs until it is resumed
update scheduler.tasks set is_active = false where id = tests.fx('daily');
select is_empty($$ select * from scheduler.upcoming_runs(tests.fx('daily'), 5) $$, 'a paused task has no upcoming runs');

-- a one-off: its time while it is ahead; nothing once it has run
select tests.mk_task('once', '{"run_at": "2031-10-26 09:00:00+00"}');
select results_eq($$ select due_at from scheduler.upcoming_runs(tests.fx('once'), 5, '2031-10-25 12:00:00+00') $$,
  $$ values ('2031-10-26 09:00:00+00'::timestamptz) $$, 'a one-off has its one time, however many are asked for');
update scheduler.tasks set next_run_at = null where id = tests.fx('once');  -- as the claim leaves it once it has run
select is_empty($$ select * from scheduler.upcoming_runs(tests.fx('once'), 5, '2031-10-25 12:00:00+00') $$, 'and none once it has run');

select tests.mk_task('on_event', '{"type": "event"}');
select is_empty($$ select * from scheduler.upcoming_runs(tests.fx('on_event')) $$, 'a task without a schedule has none');

select tests.authenticate_as('other');
select throws_ok(format($$ select * from scheduler.upcoming_runs(%L) $$, tests.fx('every90')),
  'P0002', format('upcoming_runs: task %s does not exist', tests.fx('every90')), 'another user''s task does not exist for them');
select throws_ok(format($$ select * from scheduler.upcoming_runs(%L, 0) $$, tests.fx('every90')),
  '22023', 'upcoming_runs: p_count must be between 1 and 100, got 0', 'a count below 1 is refused, naming p_count');
select throws_ok(format($$ select * from scheduler.upcoming_runs(%L, 101) $$, tests.fx('every90')),
  '22023', 'upcoming_runs: p_count must be between 1 and 100, got 101', 'and one above 100');

select * from finish();
rollback;
