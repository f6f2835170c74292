-- scheduler_internal.settings: every retention is a setting, with its
-- default, and each setting is described.
begin;
\ir ../_helpers/setup.psql
select plan(3);

select results_eq($$
  select key, value from scheduler_internal.settings
  where key in ('run_retention', 'skipped_run_retention', 'log_retention', 'audit_retention', 'notification_retention',
                'unread_notification_retention', 'event_retention', 'cron_history_retention', 'http_response_retention')
  order by key
$$, $$ values
  ('audit_retention', '"180 days"'::jsonb), ('cron_history_retention', '"7 days"'), ('event_retention', '"90 days"'),
  ('http_response_retention', '"1 day"'), ('log_retention', '"30 days"'), ('notification_retention', '"30 days"'),
  ('run_retention', '"30 days"'), ('skipped_run_retention', '"3 days"'), ('unread_notification_retention', '"90 days"')
$$, 'every retention is a setting, with its default');
select results_eq($$
  select key, value from scheduler_internal.settings where key in ('backfill_max_slots', 'replay_max_runs', 'idempotency_window') order by key
$$, $$ values ('backfill_max_slots', '1000'::jsonb), ('idempotency_window', '"24 hours"'), ('replay_max_runs', '100') $$,
  'the bounds of backfill and bulk replay and the idempotency window are settings, with their defaults');
select is_empty($$ select key from scheduler_internal.settings where description = '' or description ~ 'prune-run-history' $$,
  'each setting is described, none by the old job name');

select * from finish();
rollback;
