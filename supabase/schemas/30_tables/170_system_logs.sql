-- system_logs (seed 004): operational log of the engine and the functions.
-- Written by service work only, read by admins. The seed's monthly
-- partitioning is left for later: prune-run-history trims it instead.

create table scheduler.system_logs (
  id uuid primary key default scheduler_internal.uuid_v7(),
  created_at timestamptz not null default now(),
  level text not null,
  module text,
  message text not null,
  user_id uuid references auth.users (id) on delete set null,
  task_id uuid references scheduler.tasks (id) on delete set null,
  run_id uuid references scheduler.task_runs (id) on delete set null,
  request_id text,
  ip_address inet,
  user_agent text,
  metadata jsonb not null default '{}'::jsonb,
  constraint chk_log_level check (level in ('debug', 'info', 'warning', 'error', 'critical'))
);


comment on table scheduler.system_logs is 'Operational log (seed 004; its timestamp column is created_at here).';

create index system_logs_created_at_idx on scheduler.system_logs (created_at desc);

create index system_logs_level_idx on scheduler.system_logs (level);

create index system_logs_module_level_idx on scheduler.system_logs (module, level);

create index system_logs_user_created_idx on scheduler.system_logs (user_id, created_at desc);

create index system_logs_task_id_idx on scheduler.system_logs (task_id);

create index system_logs_run_id_idx on scheduler.system_logs (run_id);

create index system_logs_fulltext_idx on scheduler.system_logs using gin (to_tsvector('english', message));

alter table scheduler.system_logs enable row level security;

-- system_logs: admins read; service work writes
revoke all on table scheduler.system_logs from anon, authenticated, service_role;

grant select on table scheduler.system_logs to authenticated;

grant select, insert, update, delete on table scheduler.system_logs to service_role;

create policy "System logs are visible to admins" on scheduler.system_logs
  for select to authenticated using ((select scheduler_internal.is_admin()));

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.system_logs
for each row execute function scheduler_internal.tg__check_run_link();
