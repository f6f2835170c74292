-- user_preferences (seed 000; seed 004's users.preferences merged here).

create table scheduler.user_preferences (
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  preference_key text not null check (length(preference_key) between 1 and 100),
  preference_value jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (user_id, preference_key)
);

comment on table scheduler.user_preferences is 'Per-user settings, e.g. default_view = "gantt" (seed 000).';

alter table scheduler.user_preferences enable row level security;

-- user_preferences: their user and admins read, change and remove; only their
-- user sets one
revoke all on table scheduler.user_preferences from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.user_preferences to authenticated, service_role;

create policy "Preferences can be set by their user" on scheduler.user_preferences
  for insert to authenticated with check (user_id = (select auth.uid()));

create policy "Preferences are visible to their user and to admins" on scheduler.user_preferences
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Preferences can be changed by their user and by admins" on scheduler.user_preferences
  for update to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Preferences can be removed by their user and by admins" on scheduler.user_preferences
  for delete to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create trigger _100_set_updated_at before update on scheduler.user_preferences
for each row execute function scheduler_internal.tg__set_updated_at();
