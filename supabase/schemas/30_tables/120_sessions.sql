-- sessions (seed 004, with seed 001's agent_sessions merged into checkpoints):
-- application sessions with expiry. Expired sessions are swept daily by
-- pg_cron and, for one user, whenever that user starts a new session.

create table scheduler.sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  token text not null unique,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  last_accessed timestamptz not null default now(),
  ip_address inet,
  user_agent text,
  is_revoked boolean not null default false,
  updated_at timestamptz not null default now()
);

comment on table scheduler.sessions is 'Application sessions (seed 004). Store a hash of the token, not the token.';

create index sessions_user_id_idx on scheduler.sessions (user_id);

create index sessions_expires_at_idx on scheduler.sessions (expires_at);

alter table scheduler.sessions enable row level security;

-- sessions:
-- their user and admins read, revoke and end them; only their user starts one
revoke all on table scheduler.sessions from anon, authenticated, service_role;

grant select, insert, update, delete on table scheduler.sessions to authenticated, service_role;

create policy "Sessions can be started by their user" on scheduler.sessions
  for insert to authenticated with check (user_id = (select auth.uid()));

create policy "Sessions are visible to their user and to admins" on scheduler.sessions
  for select to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Sessions can be revoked by their user and by admins" on scheduler.sessions
  for update to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()))
  with check (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create policy "Sessions can be ended by their user and by admins" on scheduler.sessions
  for delete to authenticated
  using (user_id = (select auth.uid()) or (select scheduler_internal.is_admin()));

create trigger _100_set_updated_at before update on scheduler.sessions
for each row execute function scheduler_internal.tg__set_updated_at();

create trigger _900_remove_expired_of_user after insert on scheduler.sessions
for each row execute function scheduler_internal.tg_sessions__remove_expired_of_user();
