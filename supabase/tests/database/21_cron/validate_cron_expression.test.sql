-- scheduler.validate_cron_expression: an expression that does not parse is
-- refused with 22023 and a message naming the field and the token.
begin;
\ir ../_helpers/setup.psql
select plan(5);

select lives_ok($$ select scheduler.validate_cron_expression('30 2 * * MON-FRI') $$, 'a valid expression passes');
select throws_ok($$ select scheduler.validate_cron_expression('61 * * * *') $$, '22023',
  'invalid cron expression "61 * * * *": minute field: value 61 out of range 0-59', 'a value out of range names the field');
select throws_ok($$ select scheduler.validate_cron_expression('*/0 * * * *') $$, '22023',
  'invalid cron expression "*/0 * * * *": minute field: step 0 in "*/0"', 'a zero step names the token');
select throws_ok($$ select scheduler.validate_cron_expression('0 0 * * FOO') $$, '22023',
  'invalid cron expression "0 0 * * FOO": day-of-week field: unsupported character "F" in "FOO" (L, W and # are not supported)',
  'an unknown name says what is not supported');
select throws_ok($$ select scheduler.validate_cron_expression('* * *') $$, '22023',
  'invalid cron expression "* * *": expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), got 3',
  'a wrong number of fields says how many are expected');

select * from finish();
rollback;
