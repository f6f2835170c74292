-- notifications (seed 004): messages to a user. The web channel is the row
-- itself (Realtime pushes it); email and webhook deliveries are recorded here
-- too. Recipients read them and mark them read; only the system writes them.

create table scheduler.notifications (
  id uuid primary key default scheduler_internal.uuid_v7(),
  user_id uuid not null references auth.users (id) on delete cascade,
  title text not null,
  message text,
  type text not null default 'info',
  priority text not null default 'normal',
  status text not null default 'unread',
  data jsonb not null default '{}'::jsonb,
  read_at timestamptz,
  sent_at timestamptz default now(),
  scheduled_for timestamptz,
  channel text not null default 'web',
  task_id uuid references scheduler.tasks (id) on delete cascade,
  run_id uuid references scheduler.task_runs (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint chk_notification_type check (type in ('alert', 'approval', 'status', 'error', 'info')),
  constraint chk_notification_priority check (priority in ('low', 'normal', 'high', 'urgent')),
  constraint chk_notification_status check (status in ('unread', 'read', 'archived')),
  constraint chk_notification_channel check (channel in ('web', 'email', 'push', 'sms', 'webhook'))
);


comment on table scheduler.notifications is 'Messages to a user (seed 004). Written by the engine and the notify action; recipients may only change status and read_at.';

create index notifications_user_id_idx on scheduler.notifications (user_id, created_at desc);

create index notifications_unread_idx on scheduler.notifications (user_id) where status = 'unread';

create index notifications_task_id_idx on scheduler.notifications (task_id);

create index notifications_run_id_idx on scheduler.notifications (run_id);

-- notifications are pruned by age; no index led with created_at
create index notifications_created_at_idx on scheduler.notifications (created_at);

alter table scheduler.notifications enable row level security;

-- notifications: the recipient reads (Realtime pushes the rows it may select)
-- and marks read, status and read_at only; the engine and the notify action
-- write them
revoke all on table scheduler.notifications from anon, authenticated, service_role;

grant select on table scheduler.notifications to authenticated;

grant update (status, read_at) on table scheduler.notifications to authenticated;

grant select, insert, update, delete on table scheduler.notifications to service_role;

create policy "Notifications are visible to their recipient" on scheduler.notifications
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Notifications can be marked read by their recipient" on scheduler.notifications
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

create trigger _100_set_updated_at before update on scheduler.notifications
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _020_check_run_link before insert or update of run_id, task_id on scheduler.notifications
for each row execute function scheduler_internal.tg__check_run_link();
