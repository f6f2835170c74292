-- scheduler.replay_runs: the bulk replay over a task and a range of due
-- times, by status (failed by default). Only the last attempt of a due
-- time counts, a run already replayed is not replayed again (so a second
-- call goes on where the limit stopped, and replays nothing twice), oldest
-- first, bounded by p_limit and the replay_max_runs setting. The same
-- answers as replay_run for who may, and 22023 naming the parameter for a
-- bad range, status list or limit.
begin;
\ir ../_helpers/setup.psql
select plan(17);

select tests.seed_users();
set local scheduler.now = '2031-01-02 00:00:00+00';
select tests.mk_task('nightly', '{"cron": "0 * * * *", "attempts": 2}');
update scheduler.tasks set name = 'Hourly sync' where id = tests.fx('nightly');
insert into scheduler.task_permissions (task_id, user_id, can_view, can_edit) values
  (tests.fx('nightly'), tests.fx('viewer'), true, false),
  (tests.fx('nightly'), tests.fx('editor'), true, true);

-- the history, one labelled run per row (inputs.label), as the engine leaves it
create temp table history (label text, due timestamptz, status scheduler.run_status, attempt integer, retry_of text) on commit drop;
insert into history values
  ('00 first attempt',  '2031-01-01 00:00:00+00', 'failed',    1, null),
  ('00 retry',          '2031-01-01 00:00:30+00', 'failed',    2, '00 first attempt'),
  ('01 first attempt',  '2031-01-01 01:00:00+00', 'failed',    1, null),
  ('01 retry',          '2031-01-01 01:00:30+00', 'completed', 2, '01 first attempt'),
  ('02',                '2031-01-01 02:00:00+00', 'completed', 1, null),
  ('0230 manual',       '2031-01-01 02:30:00+00', 'failed',    1, null),
  ('03',                '2031-01-01 03:00:00+00', 'skipped',   1, null),
  ('04',                '2031-01-01 04:00:00+00', 'cancelled', 1, null),
  ('05 at p_to',        '2031-01-01 05:00:00+00', 'failed',    1, null),
  ('06 after the range','2031-01-01 06:00:00+00', 'failed',    1, null),
  ('07',                '2031-01-01 07:00:00+00', 'failed',    1, null),
  ('08',                '2031-01-01 08:00:00+00', 'failed',    1, null);
do $$
declare
  v_h record;
begin
  for v_h in select * from pg_temp.history order by due loop
    insert into scheduler.task_runs (task_id, scheduled_time, status, attempt, triggered_by, inputs, start_time, end_time, idempotency_key)
    values (tests.fx('nightly'), v_h.due, v_h.status, v_h.attempt, case when v_h.attempt > 1 then 'retry' else 'schedule' end,
            jsonb_build_object('label', v_h.label), v_h.due, v_h.due + interval '1 second',
            (select r.id::text from scheduler.task_runs r where r.inputs ->> 'label' = v_h.retry_of and r.task_id = tests.fx('nightly')));
  end loop;
end
$$;

create function pg_temp.replayed(p_sql text) returns text[]
language plpgsql as $$
declare
  v_labels text[];
begin
  -- in the order the call returned them
  execute format('select array_agg(o.inputs ->> %L order by x.n) from (select q.*, row_number() over () as n from (%s) q) x join scheduler.task_runs o on o.id = x.replay_of',
    'label', p_sql) into v_labels;
  return v_labels;
end;
$$;

select tests.authenticate_as('owner');
select is(pg_temp.replayed($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-01 00:00:00+00', '2031-01-01 05:00:00+00', p_now => '2031-01-02 00:00:00+00') $$),
  array['00 retry', '0230 manual', '05 at p_to'],
  'the failed runs of the range, both ends included, oldest first: of a retried due time only its last attempt; a failure whose retry succeeded is not replayed');
select tests.clear_authentication();
select results_eq($$
  select r.triggered_by, r.status::text, r.scheduled_time, r.inputs ->> 'label', r.requested_by, r.attempt
  from scheduler.task_runs r join scheduler.task_runs o on o.id = r.replay_of
  where r.task_id = tests.fx('nightly') order by o.scheduled_time $$,
  $$ values ('replay', 'queued', '2031-01-02 00:00:00+00'::timestamptz, '00 retry', tests.fx('owner'), 1),
            ('replay', 'queued', '2031-01-02 00:00:00+00'::timestamptz, '0230 manual', tests.fx('owner'), 1),
            ('replay', 'queued', '2031-01-02 00:00:00+00'::timestamptz, '05 at p_to', tests.fx('owner'), 1) $$,
  'each a queued replay due now with the inputs of the run it replays, recorded as the caller''s');
select tests.authenticate_as('editor');
select is(pg_temp.replayed($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-01 00:00:00+00', '2031-01-01 05:00:00+00', p_now => '2031-01-02 00:01:00+00') $$),
  null, 'a second call over the same range replays nothing: each run is replayed once (an editor may call it too)');
select is(pg_temp.replayed($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-01 00:00:00+00', '2031-01-01 05:00:00+00',
                                                                   '{skipped,cancelled}', p_now => '2031-01-02 00:01:00+00') $$),
  array['03', '04'], 'other finished states are replayed when asked for');
select is(pg_temp.replayed($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-01 00:00:00+00', '2031-01-01 23:00:00+00',
                                                                   '{completed,failed}', 1, '2031-01-02 00:02:00+00') $$),
  array['01 retry'], 'p_limit bounds a call, oldest first');
select is(pg_temp.replayed($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-01 00:00:00+00', '2031-01-01 23:00:00+00',
                                                                   '{completed,failed}', 1, '2031-01-02 00:03:00+00') $$),
  array['02'], 'and the next call goes on where it stopped');
select tests.clear_authentication();
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('nightly') and triggered_by = 'replay'), 7,
  'seven replays in all, one per run replayed');

-- the default and the ceiling of p_limit are a setting
update scheduler_internal.settings set value = '2' where key = 'replay_max_runs';
select tests.authenticate_as('owner');
select is(pg_temp.replayed($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-01 00:00:00+00', '2031-01-01 23:00:00+00', p_now => '2031-01-02 00:04:00+00') $$),
  array['06 after the range', '07'], 'without p_limit a call replays up to replay_max_runs');
select throws_ok($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-01 00:00:00+00', '2031-01-01 23:00:00+00', p_limit => 3) $$,
  '22023', 'replay_runs: p_limit must be between 1 and 2 (the replay_max_runs setting), got 3', 'a p_limit above the setting is refused, naming both');
select throws_ok($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-01 00:00:00+00', '2031-01-01 23:00:00+00', p_limit => 0) $$,
  '22023', 'replay_runs: p_limit must be between 1 and 2 (the replay_max_runs setting), got 0', 'so is a p_limit below 1');
select throws_ok($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-02 00:00:00+00', '2031-01-01 00:00:00+00') $$,
  '22023', 'replay_runs: p_from (2031-01-02 00:00:00+00) is after p_to (2031-01-01 00:00:00+00)', 'a range that ends before it starts is refused');
select throws_ok($$ select * from scheduler.replay_runs(tests.fx('nightly'), null, '2031-01-01 00:00:00+00') $$,
  '22023', 'replay_runs: p_from and p_to are required (the range of due times to replay)', 'and one without an end');
select throws_ok($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-01 00:00:00+00', '2031-01-01 23:00:00+00', '{failed,queued,running}') $$,
  '22023', 'replay_runs: p_statuses: only finished runs are replayed (completed, failed, cancelled, skipped), got {queued,running}',
  'states of unfinished runs are refused, by name');
select throws_ok($$ select * from scheduler.replay_runs(tests.fx('nightly'), '2031-01-01 00:00:00+00', '2031-01-01 23:00:00+00', '{}') $$,
  '22023', 'replay_runs: p_statuses must name at least one of completed, failed, cancelled, skipped', 'so is an empty list');

select tests.authenticate_as('other');
select throws_ok(format($$ select * from scheduler.replay_runs(%L, '2031-01-01 00:00:00+00', '2031-01-01 23:00:00+00') $$, tests.fx('nightly')),
  'P0002', format('replay_runs: task %s does not exist', tests.fx('nightly')), 'another user cannot replay the owner''s runs: the task does not exist for them');
select tests.authenticate_as('viewer');
select throws_ok(format($$ select * from scheduler.replay_runs(%L, '2031-01-01 00:00:00+00', '2031-01-01 23:00:00+00') $$, tests.fx('nightly')),
  '42501', 'replay_runs: you may not replay runs of task "Hourly sync" (its owner, editors and admins may)', 'a viewer is refused by the task''s name');
select tests.clear_authentication();
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('nightly') and triggered_by = 'replay'), 9,
  'nothing refused made a replay');

select * from finish();
rollback;
