-- max_concurrency in scheduler.claim_due_runs (with the start gate): a task
-- that allows overlap has at most max_concurrency runs claimed or running;
-- an occurrence over it is queued, saying why, and later ones queue behind
-- it; when a run ends, the oldest waiting run goes first. Manual runs wait
-- their turn the same way. overlap_policy stays the rule for one task's
-- occurrences. Clock pinned in 2031; assertions look at this file's tasks.
begin;
\ir ../_helpers/setup.psql
select plan(12);

select tests.seed_users();
set local scheduler.now = '2031-07-01 00:00:00+00';
select tests.mk_task('pool', '{"every": "10 seconds", "overlap": "allow"}');
update scheduler.tasks set max_concurrency = 2 where id = tests.fx('pool');

select tests.dispatch_count('pool', '2031-07-01 00:00:10+00');
select tests.dispatch_count('pool', '2031-07-01 00:00:20+00');
select is(tests.statuses('pool'), array['running', 'running'], 'two runs of a task with max_concurrency 2 run side by side');
select is(tests.dispatch_count('pool', '2031-07-01 00:00:30+00'), 0, 'a third due time does not start');
select is(tests.statuses('pool'), array['running', 'running', 'queued'], 'it is queued');
select is((select wait_reason from scheduler.task_runs where id = tests.run_of('pool', '2031-07-01 00:00:30+00')),
  'waiting: max_concurrency 2 reached (runs of this task claimed or running)', 'and says why');
select tests.dispatch_count('pool', '2031-07-01 00:00:40+00');
select is(tests.statuses('pool'), array['running', 'running', 'queued', 'queued'], 'the next one queues behind it');

select tests.finish_run(tests.run_of('pool', '2031-07-01 00:00:10+00'), '2031-07-01 00:00:45+00', 'completed', 'pgtap');
select is(tests.dispatch_count('pool', '2031-07-01 00:00:46+00'), 1, 'a run ends: one waiting run starts');
select is((select status::text from scheduler.task_runs where id = tests.run_of('pool', '2031-07-01 00:00:30+00')), 'running',
  'the oldest waiting one');
select is((select wait_reason from scheduler.task_runs where id = tests.run_of('pool', '2031-07-01 00:00:30+00')),
  'waiting: max_concurrency 2 reached (runs of this task claimed or running)', 'keeping the reason it started late');
select is(tests.statuses('pool'), array['completed', 'running', 'running', 'queued'], 'never more than two in flight');
select tests.dispatch_count('pool', '2031-07-01 00:00:50+00');
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('pool') and status in ('claimed', 'running')), 2,
  'a new due time while at the limit queues too, behind the others');

-- manual runs of a capped task wait their turn, with the reason
select tests.mk_task('manual_pool', '{"overlap": "allow"}');
update scheduler.tasks set max_concurrency = 1 where id = tests.fx('manual_pool');
select scheduler.run_task_now(tests.fx('manual_pool'), '2031-07-01 00:01:00+00') from generate_series(1, 3);
select is(tests.dispatch_count('manual_pool', '2031-07-01 00:01:01+00'), 1, 'three manual runs of a task with max_concurrency 1: one starts');
select is((select array_agg(wait_reason order by scheduled_time, id) from scheduler.task_runs
           where task_id = tests.fx('manual_pool') and status = 'queued'),
  array['waiting: max_concurrency 1 reached (runs of this task claimed or running)',
        'waiting: max_concurrency 1 reached (runs of this task claimed or running)'],
  'the others wait, and the claim says why');

select * from finish();
rollback;
