-- scheduler.claim_due_runs: what is due (within the lookahead) is claimed,
-- in priority order, up to the limit, and its task moves to its next due
-- time; a scheduler that was down runs a task once (run_once) or records
-- a skip, never a burst. Clock pinned in 2031, so nothing else in the
-- database is due with these tasks; assertions look at this file's tasks.
begin;
\ir ../_helpers/setup.psql
select plan(14);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('cron5', '{"cron": "*/5 * * * *"}');
select tests.mk_task('every90', '{"every": "90 seconds"}');

-- due selection, lookahead, limit, ordering
select is_empty($$ select tests.dispatch_started('2031-01-01 00:01:00+00') $$, 'nothing is claimed before it is due');
select results_eq($$ select tests.dispatch_started('2031-01-01 00:01:00+00', '30 seconds') $$, $$ values (tests.fx('every90')) $$,
  'the lookahead window claims what is due within it');
select is((select next_run_at from scheduler.tasks where id = tests.fx('every90')), '2031-01-01 00:03:00+00', 'claiming advances next_run_at atomically');
select is((select lease_expires_at from scheduler.task_runs where task_id = tests.fx('every90')), '2031-01-01 00:01:45+00',
  'the lease of a started run runs heartbeat_lease (15 s) from its start (its due second); its action renews it (renew_leases)');
select tests.finish_task('every90', 'completed', '2031-01-01 00:01:31+00');
select tests.mk_task('low', '{"every": "1 minute", "priority": "low"}');
select tests.mk_task('critical', '{"every": "1 minute", "priority": "critical"}');
select results_eq($$ select tests.dispatch_started('2031-01-01 00:10:00+00', '0', 1) $$, $$ values (tests.fx('critical')) $$,
  'priority orders the claim, and the limit holds');

-- a claim refuses nonsense
select throws_ok($$ select * from scheduler.claim_due_runs(0, now(), '0', 'x', null) $$, '22023', null, 'p_limit must be positive');

-- misfire: a scheduler that was down runs once, or skips, never a burst
select tests.mk_task('catchup', '{"every": "1 minute", "misfire": "run_once"}');
select tests.mk_task('skipper', '{"every": "1 minute", "misfire": "skip"}');
select is((select count(*)::int from tests.dispatch('2031-01-01 05:00:00+00') where task_id = tests.fx('catchup') and outcome = 'started'), 1,
  'after hours down, run_once runs exactly once');
select is((select status::text from scheduler.task_runs where task_id = tests.fx('skipper')), 'skipped', 'misfire_policy skip records a skipped run instead');
select is_empty($$ select 1 from scheduler.task_runs where task_id = tests.fx('catchup') and (status = 'skipped' or error_message ~ 'misfire') $$,
  'and a run_once task''s catch-up run is never labelled a misfire skip');
select is((select next_run_at from scheduler.tasks where id = tests.fx('catchup')), '2031-01-01 05:01:00+00', 'and both move on to the next future time');
select is((select next_run_at from scheduler.tasks where id = tests.fx('skipper')), '2031-01-01 05:01:00+00', 'skip moves on too');

-- only service_role claims (00_schemas/function_grants has the grant itself)
select tests.authenticate_as('owner');
select throws_ok($$ select count(*) from scheduler.claim_due_runs(1, '2031-01-01 06:00:00+00', '0', 'u', null) $$, '42501', null,
  'a signed-in user cannot claim');
select tests.authenticate_as_service_role();
select lives_ok($$ select count(*) from scheduler.claim_due_runs(1, '2035-01-01 00:00:00+00', '0', 'sr', null) $$, 'service_role may claim');
select tests.clear_authentication();
select is((select count(*)::int from scheduler.task_runs where locked_by = 'sr'), 1, 'and does, as its worker');

select * from finish();
rollback;
