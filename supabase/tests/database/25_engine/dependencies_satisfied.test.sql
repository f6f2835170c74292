-- scheduler_internal.dependencies_satisfied and edge_satisfied, through the
-- claim: dependents wait while their prerequisite never finished; after a
-- success, success and always edges are satisfied and failure edges are
-- not, and an unscheduled dependent is started, saying why.
begin;
\ir ../_helpers/setup.psql
select plan(3);

select tests.seed_users();
set local scheduler.now = '2031-01-01 00:00:00+00';
select tests.mk_task('pre');
select tests.mk_task('on_success', '{"every": "1 minute"}');
select tests.mk_task('on_failure', '{"every": "1 minute"}');
select tests.mk_task('on_always', '{"every": "1 minute"}');
select tests.mk_task('chained');
insert into scheduler.task_dependencies (task_id, depends_on_task_id, dependency_type) values
  (tests.fx('on_success'), tests.fx('pre'), 'success'), (tests.fx('on_failure'), tests.fx('pre'), 'failure'),
  (tests.fx('on_always'), tests.fx('pre'), 'always'), (tests.fx('chained'), tests.fx('pre'), 'success');
select is_empty($$ select c from tests.dispatch_started('2031-01-01 03:00:00+00') c where c in (tests.fx('on_success'), tests.fx('on_failure'), tests.fx('on_always')) $$,
  'dependents wait while the prerequisite has never finished');
select scheduler.run_task_now(tests.fx('pre'), '2031-01-01 03:00:00+00');
select tests.dispatch_started('2031-01-01 03:00:00+00');
select tests.finish_task('pre', 'completed', '2031-01-01 03:00:01+00');
select set_eq($$ select c from tests.dispatch_started('2031-01-01 03:00:02+00') c where c in (tests.fx('on_success'), tests.fx('on_failure'), tests.fx('on_always'), tests.fx('chained')) $$,
  $$ values (tests.fx('on_success')), (tests.fx('on_always')), (tests.fx('chained')) $$,
  'after a success: success and always edges are satisfied, failure edges are not, and an unscheduled dependent is started');
select is((select triggered_by from scheduler.task_runs where task_id = tests.fx('chained')), 'dependency', 'the started dependent says why it ran');

select * from finish();
rollback;
