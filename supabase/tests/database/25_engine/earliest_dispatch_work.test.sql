-- scheduler_internal.earliest_dispatch_work, what the minute tick wakes the
-- dispatcher for and the dead-man check counts silence from: due tasks
-- (prerequisites met, not deleted, active) and queued runs due by p_until,
-- leases expired by p_now; nothing else (a run awaiting approval, a lease
-- still running, a deleted task's queue). The clock is set in 2001, before
-- any other data a live database may hold, so only the test's own rows are
-- due.
begin;
\ir ../_helpers/setup.psql
select plan(11);

select tests.seed_users();
set local scheduler.now = '2001-01-01 00:00:00+00';
create function pg_temp.work(p_until text) returns timestamptz language sql as $$
  select scheduler_internal.earliest_dispatch_work('2001-01-01 00:00:00+00', p_until::timestamptz)
$$;

select is(pg_temp.work('2001-01-01 00:01:10+00'), null, 'nothing due: no work');

select tests.mk_task('soon', '{"cron": "0 0 1 1 *"}');
update scheduler.tasks set next_run_at = '2001-01-01 00:01:00+00' where id = tests.fx('soon');
select is(pg_temp.work('2001-01-01 00:01:10+00'), '2001-01-01 00:01:00+00', 'a task due before p_until is work, at its due time');
select is(pg_temp.work('2001-01-01 00:00:30+00'), null, 'a task due after it is not');

-- a task whose prerequisite never ran, an inactive and a deleted task, all due earlier
select tests.mk_task('pre');
select tests.mk_task('waits', '{"cron": "0 0 1 1 *"}');
insert into scheduler.task_dependencies (task_id, depends_on_task_id, dependency_type) values (tests.fx('waits'), tests.fx('pre'), 'success');
select tests.mk_task('paused', '{"cron": "0 0 1 1 *"}');
select tests.mk_task('gone', '{"cron": "0 0 1 1 *"}');
update scheduler.tasks set next_run_at = '2001-01-01 00:00:10+00' where id in (tests.fx('waits'), tests.fx('paused'), tests.fx('gone'));
update scheduler.tasks set is_active = false where id = tests.fx('paused');
update scheduler.tasks set deleted_at = '2001-01-01 00:00:00+00' where id = tests.fx('gone');
select is(pg_temp.work('2001-01-01 00:01:10+00'), '2001-01-01 00:01:00+00',
  'a task waiting for its prerequisite, a paused and a deleted task are not work');

-- runs: awaiting approval, a deleted task's queue, a claimed run whose lease runs on
insert into scheduler.task_runs (task_id, scheduled_time, status) values
  (tests.fx('soon'), '2000-12-31 23:00:00+00', 'awaiting_approval'),
  (tests.fx('gone'), '2000-12-31 23:00:00+00', 'queued');
insert into scheduler.task_runs (task_id, scheduled_time, status, locked_at, locked_by, lease_expires_at)
values (tests.fx('soon'), '2000-12-31 23:00:00+00', 'claimed', '2000-12-31 23:00:00+00', 'w', '2001-01-01 00:00:05+00');
select is(pg_temp.work('2001-01-01 00:01:10+00'), '2001-01-01 00:01:00+00',
  'a run awaiting approval, a deleted task''s queued run and a lease not yet expired are not work');

insert into scheduler.task_runs (task_id, scheduled_time, status) values (tests.fx('pre'), '2001-01-01 00:00:20+00', 'queued');
select is(pg_temp.work('2001-01-01 00:01:10+00'), '2001-01-01 00:00:20+00', 'a queued run due before p_until is work');
select is(pg_temp.work('2001-01-01 00:00:15+00'), null, 'one due after it is not');

update scheduler.task_runs set lease_expires_at = '2000-12-31 23:59:00+00' where task_id = tests.fx('soon') and status = 'claimed';
select is(pg_temp.work('2001-01-01 00:00:00+00'), '2000-12-31 23:59:00+00', 'an expired lease is work, from its expiry');
update scheduler.task_runs set status = 'running', start_time = '2000-12-31 23:00:00+00' where task_id = tests.fx('soon') and status = 'claimed';
select is(pg_temp.work('2001-01-01 00:00:00+00'), '2000-12-31 23:59:00+00', 'a running run''s too');

-- the prerequisite succeeds: the waiting task is due
insert into scheduler.task_runs (task_id, scheduled_time, status, start_time, end_time)
values (tests.fx('pre'), '2000-12-31 22:00:00+00', 'completed', '2000-12-31 22:00:00+00', '2000-12-31 22:00:01+00');
select is(scheduler_internal.earliest_dispatch_work('2001-01-01 00:00:00+00', '2001-01-01 00:00:15+00'), '2000-12-31 23:59:00+00',
  'the lease still comes first');
delete from scheduler.task_runs where task_id = tests.fx('soon') and status = 'running';
select is(scheduler_internal.earliest_dispatch_work('2001-01-01 00:00:00+00', '2001-01-01 00:00:15+00'), '2001-01-01 00:00:10+00',
  'a task whose prerequisite succeeded is work');

select * from finish();
rollback;
