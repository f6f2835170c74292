-- scheduler.reap_expired_leases: a live lease is left alone; a claimed run
-- nobody started is given back, as the same attempt (nothing was sent); a
-- started run that went silent is failed with an unknown outcome and
-- retried under its policy, keeping the first attempt's idempotency key.
begin;
\ir ../_helpers/setup.psql
select plan(11);

select tests.seed_users();

-- a run whose dispatcher died is taken back and retried
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('orphan');
select scheduler.run_task_now(tests.fx('orphan'), '2031-01-01 02:00:00+00');
select tests.dispatch_started('2031-01-01 02:00:00+00');
select is_empty($$ select 1 from scheduler.reap_expired_leases('2031-01-01 02:00:10+00') r join scheduler.task_runs t on t.id = r.run_id where t.task_id = tests.fx('orphan') $$,
  'a live lease is left alone');
select ok(exists (select 1 from scheduler.reap_expired_leases('2031-01-01 02:10:00+00') r join scheduler.task_runs t on t.id = r.run_id where t.task_id = tests.fx('orphan')),
  'an expired lease is reaped');
select is(tests.statuses('orphan'), array['failed', 'queued'], 'and the run is retried');
select ok((select error_message like 'outcome unknown: the run started at % reported nothing before its lease expired at %' from scheduler.task_runs where task_id = tests.fx('orphan') and attempt = 1),
  'the reason is recorded: its outcome is unknown');

-- never started is given back; started and silent is unknown
set local scheduler.now = '2035-01-01 00:00:00+00';
select tests.mk_task('lost_claim');
select scheduler.run_task_now(tests.fx('lost_claim'), '2035-01-01 00:50:00+00');
select tests.claim('2035-01-01 00:50:00+00');
select ok(exists (select 1 from scheduler.reap_expired_leases('2035-01-01 00:50:31+00') r where r.run_id = tests.run_of('lost_claim', '2035-01-01 00:50:00+00')
  and r.outcome like 'given back%'), 'a claimed run nobody started is given back when its lease expires');
select is((select status::text || ' ' || attempt from scheduler.task_runs where task_id = tests.fx('lost_claim')), 'queued 1',
  'as the same attempt, queued: nothing was sent, so nothing is retried');
-- a given-back run falls under its task's misfire policy when it is
-- finally offered again: under skip, too late is skipped, not sent late
select tests.mk_task('lost_late', '{"run_at": "2035-01-01 00:51:00+00", "misfire": "skip"}');
select tests.claim('2035-01-01 00:50:55+00');
select count(*) from scheduler.reap_expired_leases('2035-01-01 00:51:31+00');
select tests.claim('2035-01-01 00:54:00+00');
select is(tests.gate(tests.run_of('lost_late', '2035-01-01 00:51:00+00'), '2035-01-01 00:54:00+00'), 'skipped',
  'a given-back run of a misfire_policy skip task offered after misfire_grace is skipped');
select is((select status::text || ' ' || attempt || ': ' || error_message from scheduler.task_runs where task_id = tests.fx('lost_late')),
  'skipped 1: skipped: it could start only 00:03:00 after its due time, later than misfire_grace (misfire_policy skip)',
  'as its first attempt, saying how late it was, and nothing is retried');
select tests.mk_task('lost_run');
select scheduler.run_task_now(tests.fx('lost_run'), '2035-01-01 00:55:00+00');
select tests.claim('2035-01-01 00:55:00+00');
select tests.gate(tests.run_of('lost_run', '2035-01-01 00:55:00+00'), '2035-01-01 00:55:00+00');
select count(*) from scheduler.reap_expired_leases('2035-01-01 00:58:00+00');
select is((select array_agg(status::text || ' ' || attempt order by attempt) from scheduler.task_runs where task_id = tests.fx('lost_run')),
  array['failed 1', 'queued 2'], 'a started run whose lease expired is failed and retried under its policy');
select is((select idempotency_key from scheduler.task_runs where task_id = tests.fx('lost_run') and attempt = 2),
  tests.run_of('lost_run', '2035-01-01 00:55:00+00')::text, 'the retry keeps the first attempt''s idempotency key');
select ok((select error_message like 'outcome unknown:%same idempotency key%' from scheduler.task_runs where task_id = tests.fx('lost_run') and attempt = 1),
  'and the failed attempt says its outcome is unknown');

select * from finish();
rollback;
