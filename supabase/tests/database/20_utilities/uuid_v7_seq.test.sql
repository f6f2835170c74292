-- scheduler_internal.uuid_v7_seq: ids for one instant that sort by their
-- counter (a watcher's events, in the order of its items), still version 7
-- with the instant's milliseconds first, and different each time.
begin;
\ir ../_helpers/setup.psql
select plan(7);

select is(substr(scheduler_internal.uuid_v7_seq('2030-05-01 12:00:00+00', 5)::text, 15, 1), '7', 'the version nibble is 7');
select ok(substr(scheduler_internal.uuid_v7_seq('2030-05-01 12:00:00+00', 67108863)::text, 20, 1) in ('8', '9', 'a', 'b'),
  'the RFC 9562 variant, even with every counter bit set');
select is(substr(replace(scheduler_internal.uuid_v7_seq('2030-05-01 12:00:00.123+00', 1)::text, '-', ''), 1, 12),
  lpad(to_hex((extract(epoch from '2030-05-01 12:00:00.123+00'::timestamptz) * 1000)::bigint), 12, '0'),
  'the first 48 bits are the Unix milliseconds');
with counters as materialized (
  select distinct (random() * 67108863)::bigint as n from generate_series(1, 500)
), ids as materialized (
  select n, scheduler_internal.uuid_v7_seq('2030-05-01 12:00:00+00', n) as id from counters
)
select is((select array_agg(n order by id) from ids), (select array_agg(n order by n) from ids),
  'ids for one instant sort exactly as their counters do (500 random counters)');
select isnt(scheduler_internal.uuid_v7_seq('2030-05-01 12:00:00+00', 1), scheduler_internal.uuid_v7_seq('2030-05-01 12:00:00+00', 1),
  'two ids with the same instant and counter still differ');
select ok(scheduler_internal.uuid_v7_seq('2030-05-01 12:00:00.001+00', 67108863) < scheduler_internal.uuid_v7_seq('2030-05-01 12:00:00.002+00', 0),
  'a later millisecond sorts after any counter of an earlier one');
select throws_ok($$ select scheduler_internal.uuid_v7_seq(now(), 67108864) $$, '22023',
  'uuid_v7_seq: p_seq must be between 0 and 67108863, got 67108864', 'a counter beyond 26 bits is refused');

select * from finish();
rollback;
