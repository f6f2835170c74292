-- scheduler.start_runs enforces max_concurrency and the rate limit at the
-- run's second too: two claims can race (each counted before the other
-- committed), so the gate, one per task at a time, counts what is running
-- and what has started. A run over either goes back to the queue with its
-- reason; nothing over the limit is ever sent. Within one gate call the
-- earlier runs count as well. The races are staged by claiming a run for a
-- second worker by hand. Clock pinned in 2031.
begin;
\ir ../_helpers/setup.psql
select plan(10);

select tests.seed_users();
set local scheduler.now = '2031-09-01 00:00:00+00';

-- max_concurrency 1: the claim takes one; a racing claim took another
select tests.mk_task('gated', '{"overlap": "allow"}');
update scheduler.tasks set max_concurrency = 1 where id = tests.fx('gated');
select scheduler.run_task_now(tests.fx('gated'), '2031-09-01 00:00:01+00');
select scheduler.run_task_now(tests.fx('gated'), '2031-09-01 00:00:02+00');
select is((select count(*)::integer from tests.claim('2031-09-01 00:00:03+00', 'w1')), 1, 'the claim takes one run of a task with max_concurrency 1');
update scheduler.task_runs set status = 'claimed', locked_by = 'w2', locked_at = '2031-09-01 00:00:03+00',
  lease_expires_at = '2031-09-01 00:00:33+00'
where task_id = tests.fx('gated') and status = 'queued';
select is(tests.gate(tests.run_of('gated', '2031-09-01 00:00:01+00'), '2031-09-01 00:00:03+00', 'w1'), 'started', 'the first gate starts its run');
select is(tests.gate(tests.run_of('gated', '2031-09-01 00:00:02+00'), '2031-09-01 00:00:03+00', 'w2'), 'queued',
  'the racing one finds it running: back to the queue');
select is((select wait_reason from scheduler.task_runs where id = tests.run_of('gated', '2031-09-01 00:00:02+00')),
  'waiting: max_concurrency 1 reached at its second (runs of this task running)', 'saying why');

-- within one call: two claimed runs of a task with max_concurrency 1
select tests.mk_task('gated2', '{"overlap": "allow"}');
update scheduler.tasks set max_concurrency = 1 where id = tests.fx('gated2');
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by, locked_by, locked_at, lease_expires_at)
select tests.fx('gated2'), '2031-09-01 00:00:05+00'::timestamptz + g * interval '1 millisecond', 'claimed', 'manual', 'w3',
  '2031-09-01 00:00:05+00', '2031-09-01 00:00:35+00'
from generate_series(1, 2) g;
select is((select array_agg(s.outcome order by r.scheduled_time) from scheduler.start_runs(
    array(select id from scheduler.task_runs where task_id = tests.fx('gated2')), 'w3', '2031-09-01 00:00:06+00') s
  join scheduler.task_runs r on r.id = s.run_id), array['started', 'queued'], 'in one gate call, the second waits for the first');

-- a rate limit of one start a minute, raced the same way
select tests.mk_task('rated', '{"overlap": "allow"}');
update scheduler.tasks set rate_limit_count = 1, rate_limit_period = '1 minute' where id = tests.fx('rated');
select scheduler.run_task_now(tests.fx('rated'), '2031-09-01 00:01:01+00');
select scheduler.run_task_now(tests.fx('rated'), '2031-09-01 00:01:02+00');
select is((select count(*)::integer from tests.claim('2031-09-01 00:01:03+00', 'w1')), 1, 'the claim takes one run of a task allowed one start a minute');
update scheduler.task_runs set status = 'claimed', locked_by = 'w2', locked_at = '2031-09-01 00:01:03+00',
  lease_expires_at = '2031-09-01 00:01:33+00'
where task_id = tests.fx('rated') and status = 'queued';
select is(tests.gate(tests.run_of('rated', '2031-09-01 00:01:01+00'), '2031-09-01 00:01:03+00', 'w1'), 'started', 'the first starts');
select tests.finish_run(tests.run_of('rated', '2031-09-01 00:01:01+00'), '2031-09-01 00:01:04+00');
select is(tests.gate(tests.run_of('rated', '2031-09-01 00:01:02+00'), '2031-09-01 00:01:05+00', 'w2'), 'queued',
  'the racing one, though nothing runs, finds the window full: back to the queue');
select is((select wait_reason from scheduler.task_runs where id = tests.run_of('rated', '2031-09-01 00:01:02+00')),
  'waiting: the rate limit of 1 starts per 00:01:00 was reached at its second (rate_limit_count, rate_limit_period)', 'saying why');
select is((select count(*)::integer from scheduler_internal.task_starts where task_id = tests.fx('rated')), 1,
  'the gate logged the one start, which the limit counts');

select * from finish();
rollback;
