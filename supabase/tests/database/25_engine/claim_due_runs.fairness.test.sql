-- Fair share between owners in scheduler.claim_due_runs: one owner's burst
-- of thousands of due runs, due earlier and at a higher priority, does not
-- keep another owner's single due run out of the first claim batch, for
-- scheduled tasks and for queued runs alike (the claim ranks due work
-- within each owner and takes turns). scheduler.owner_limits weighs the
-- turns; owner_max_in_flight (and an owner's own max_in_flight) caps an
-- owner's runs in flight. Clock pinned in 2031; assertions count only this
-- file's owners.
begin;
\ir ../_helpers/setup.psql
select plan(17);

select tests.seed_users();
set local scheduler.now = '2031-03-01 00:00:00+00';

-- the burst: 3,000 one-off tasks of the owner, high priority, due at 00:01:00;
-- the other user's one task, medium priority, due a second later
insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id, created_by, priority)
select 'burst ' || g, 'notify', '{"channel": "web", "title": "t", "message": "m"}', '2031-03-01 00:01:00+00',
  tests.fx('owner'), tests.fx('owner'), 'high'
from generate_series(1, 3000) g;
select tests.mk_task('single', '{"owner": "other", "run_at": "2031-03-01 00:01:01+00"}');

create temp table batch1 on commit drop as
select c.run_id, c.task_id, (c.task ->> 'owner_id')::uuid as owner_id, c.scheduled_time
from scheduler.claim_due_runs(500, '2031-03-01 00:01:05+00', '0', 'fair-1', null) c;
select is((select count(*)::integer from batch1 where task_id = tests.fx('single')), 1,
  'scheduled: the other owner''s one due run is in the first batch of 500, ahead of a burst of 3,000');
select ok((select count(*) from batch1 where owner_id = tests.fx('owner')) >= 400,
  'and the burst fills the rest of the batch');
select ok((select bool_and(scheduled_time < '2031-03-01 00:01:01+00') from batch1 where owner_id = tests.fx('owner')),
  'although every run of the burst was due earlier (and ranks higher): a claim by priority and due time would have taken it 3,000 runs later');
select is((select count(*)::integer from scheduler.tasks where owner_id = tests.fx('owner') and next_run_at is not null), 3000
  - (select count(*)::integer from batch1 where owner_id = tests.fx('owner')), 'the rest of the burst waits for the next batches');

-- each section starts clean: the earlier sections' tasks are deleted (soft)
-- and what they had claimed given up
update scheduler.tasks set deleted_at = now() where owner_id in (tests.fx('owner'), tests.fx('other')) and deleted_at is null;
update scheduler.task_runs r set status = 'cancelled', locked_by = null, lease_expires_at = null
from scheduler.tasks t where t.id = r.task_id and r.status in ('claimed', 'queued') and t.owner_id in (tests.fx('owner'), tests.fx('other'));

-- the same for queued runs: 3,000 queued runs of one task of the owner, one
-- event-like run of the other user's task, due later
set local scheduler.now = '2031-04-01 00:00:00+00';
select tests.mk_task('backlog', '{"overlap": "allow", "priority": "critical"}');
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by)
select tests.fx('backlog'), '2031-04-01 00:00:00+00'::timestamptz + g * interval '1 millisecond', 'queued', 'manual'
from generate_series(1, 3000) g;
select tests.mk_task('lone', '{"owner": "other"}');
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by)
values (tests.fx('lone'), '2031-04-01 00:00:10+00', 'queued', 'manual');
create temp table batch2 on commit drop as
select c.run_id, c.task_id from scheduler.claim_due_runs(500, '2031-04-01 00:00:10+00', '0', 'fair-2', null) c;
select is((select count(*)::integer from batch2 where task_id = tests.fx('lone')), 1,
  'queued: the other owner''s one queued run is in the first batch, ahead of 3,000 queued before it');
select ok((select count(*) from batch2 where task_id = tests.fx('backlog')) >= 400, 'the backlog fills the rest');

-- each section starts clean: the earlier sections' tasks are deleted (soft)
-- and what they had claimed given up
update scheduler.tasks set deleted_at = now() where owner_id in (tests.fx('owner'), tests.fx('other')) and deleted_at is null;
update scheduler.task_runs r set status = 'cancelled', locked_by = null, lease_expires_at = null
from scheduler.tasks t where t.id = r.task_id and r.status in ('claimed', 'queued') and t.owner_id in (tests.fx('owner'), tests.fx('other'));

-- weights: the owner has three turns for each of the other's
set local scheduler.now = '2031-05-01 00:00:00+00';
insert into scheduler.owner_limits (owner_id, weight) values (tests.fx('owner'), 3);
insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id, created_by)
select 'weighted ' || o.label || ' ' || g, 'notify', '{"channel": "web", "title": "t", "message": "m"}', '2031-05-01 00:01:00+00',
  tests.fx(o.label), tests.fx(o.label)
from generate_series(1, 1000) g, (values ('owner'), ('other')) o(label);
create temp table batch3 on commit drop as
select (c.task ->> 'owner_id')::uuid as owner_id
from scheduler.claim_due_runs(400, '2031-05-01 00:01:00+00', '0', 'fair-3', null) c
where c.scheduled_time = '2031-05-01 00:01:00+00';
select ok((select count(*) filter (where owner_id = tests.fx('owner'))
             between 3 * count(*) filter (where owner_id = tests.fx('other')) - 3
                 and 3 * count(*) filter (where owner_id = tests.fx('other')) + 3 from batch3),
  'weight 3 against weight 1: three runs of the owner claimed for every one of the other');
select ok((select count(*) filter (where owner_id = tests.fx('other')) >= 90 from batch3), 'and the other still gets its quarter');

-- each section starts clean: the earlier sections' tasks are deleted (soft)
-- and what they had claimed given up
update scheduler.tasks set deleted_at = now() where owner_id in (tests.fx('owner'), tests.fx('other')) and deleted_at is null;
update scheduler.task_runs r set status = 'cancelled', locked_by = null, lease_expires_at = null
from scheduler.tasks t where t.id = r.task_id and r.status in ('claimed', 'queued') and t.owner_id in (tests.fx('owner'), tests.fx('other'));

-- a cap on runs in flight per owner (the setting), and an owner's own
set local scheduler.now = '2031-06-01 00:00:00+00';
delete from scheduler.owner_limits;
update scheduler_internal.settings set value = '5' where key = 'owner_max_in_flight';
select tests.mk_task('capped', '{"overlap": "allow"}');
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by)
select tests.fx('capped'), '2031-06-01 00:00:00+00', 'queued', 'manual' from generate_series(1, 20);
select tests.mk_task('uncapped_peer', '{"owner": "other", "overlap": "allow"}');
insert into scheduler.task_runs (task_id, scheduled_time, status, triggered_by)
select tests.fx('uncapped_peer'), '2031-06-01 00:00:00+00', 'queued', 'manual' from generate_series(1, 3);
select is((select count(*)::integer from scheduler.claim_due_runs(100, '2031-06-01 00:00:01+00', '0', 'cap-1', null) c
           where c.task_id = tests.fx('capped')), 5, 'owner_max_in_flight 5: five of the owner''s twenty queued runs are claimed');
select is((select count(*)::integer from scheduler.task_runs where task_id = tests.fx('uncapped_peer') and status = 'claimed'), 3,
  'the other owner''s runs are claimed beside them');
select is((select count(*)::integer from scheduler.claim_due_runs(100, '2031-06-01 00:00:02+00', '0', 'cap-2', null) c
           where c.task_id = tests.fx('capped')), 0, 'while five are in flight, no more');
update scheduler.task_runs set status = 'completed' where task_id = tests.fx('capped') and status = 'claimed' and locked_by = 'cap-1'
  and id in (select id from scheduler.task_runs where task_id = tests.fx('capped') and status = 'claimed' order by id limit 2);
select is((select count(*)::integer from scheduler.claim_due_runs(100, '2031-06-01 00:00:03+00', '0', 'cap-3', null) c
           where c.task_id = tests.fx('capped')), 2, 'two end, two more go');
insert into scheduler.owner_limits (owner_id, max_in_flight) values (tests.fx('owner'), 8);
select is((select count(*)::integer from scheduler.claim_due_runs(100, '2031-06-01 00:00:04+00', '0', 'cap-4', null) c
           where c.task_id = tests.fx('capped')), 3, 'an owner''s own max_in_flight (8) overrides the setting');

-- scheduled tasks under a cap stay due until there is room
select tests.create_user('tenant');
insert into scheduler.owner_limits (owner_id, max_in_flight) values (tests.fx('tenant'), 3);
insert into scheduler.tasks (name, action_type, action_payload, run_at, owner_id, created_by)
select 'tenant ' || g, 'notify', '{"channel": "web", "title": "t", "message": "m"}', '2031-06-01 00:00:10+00',
  tests.fx('tenant'), tests.fx('tenant')
from generate_series(1, 10) g;
select is((select count(*)::integer from scheduler.claim_due_runs(100, '2031-06-01 00:00:10+00', '0', 'cap-6', null) c
           where (c.task ->> 'owner_id')::uuid = tests.fx('tenant')), 3, 'a cap of 3 on scheduled tasks: three of ten due are claimed');
select is((select count(*)::integer from scheduler.tasks where owner_id = tests.fx('tenant') and next_run_at = '2031-06-01 00:00:10+00'), 7,
  'the other seven stay due, at their due time');

select throws_ok($$ update scheduler_internal.settings set value = '"lots"' where key = 'owner_max_in_flight' $$, '22023',
  'owner_max_in_flight setting: must be a whole number between 1 and 1000000, or null for no cap; got "lots"',
  'a setting that is not a number is refused when written, naming it');
-- written past the check (its trigger off, in this transaction only), the
-- claim still refuses it
alter table scheduler_internal.settings disable trigger _010_validate;
update scheduler_internal.settings set value = '"lots"' where key = 'owner_max_in_flight';
alter table scheduler_internal.settings enable trigger _010_validate;
select throws_ok($$ select count(*) from scheduler.claim_due_runs(1, '2031-06-01 00:00:05+00', '0', 'cap-5', null) $$, '22023',
  'owner_max_in_flight setting: must be a whole number of at least 1, or null for no cap; got "lots"',
  'and the claim refuses it too, naming it');

select * from finish();
rollback;
