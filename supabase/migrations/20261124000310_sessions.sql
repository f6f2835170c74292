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

create trigger _100_set_updated_at before update on scheduler.sessions
for each row execute function scheduler_internal.tg__set_updated_at();

create or replace function scheduler.cleanup_expired_sessions(p_now timestamptz default now()) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_deleted integer;
begin
  delete from scheduler.sessions where expires_at < p_now;
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;
comment on function scheduler.cleanup_expired_sessions(timestamptz) is 'Deletes sessions expired before p_now; returns how many. Runs daily as the pg_cron job cleanup-expired-sessions.';
revoke execute on function scheduler.cleanup_expired_sessions(timestamptz) from public, anon, authenticated;
grant execute on function scheduler.cleanup_expired_sessions(timestamptz) to service_role;

create or replace function scheduler_internal.tg_sessions__remove_expired_of_user() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  delete from scheduler.sessions
  where user_id = new.user_id and expires_at < now() and id <> new.id;
  return new;
end;
$$;
comment on function scheduler_internal.tg_sessions__remove_expired_of_user() is 'A new session sweeps away the same user''s expired ones.';
revoke execute on function scheduler_internal.tg_sessions__remove_expired_of_user() from public, anon, authenticated;
create trigger _900_remove_expired_of_user after insert on scheduler.sessions
for each row execute function scheduler_internal.tg_sessions__remove_expired_of_user();

alter table scheduler.sessions enable row level security;
revoke all on scheduler.sessions from anon;

create policy "Sessions are visible to their user" on scheduler.sessions
  for select to authenticated using (user_id = (select auth.uid()));
create policy "Sessions can be started by their user" on scheduler.sessions
  for insert to authenticated with check (user_id = (select auth.uid()));
create policy "Sessions can be revoked by their user" on scheduler.sessions
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "Sessions can be ended by their user" on scheduler.sessions
  for delete to authenticated using (user_id = (select auth.uid()));

select cron.schedule('cleanup-expired-sessions', '0 2 * * *', 'select scheduler.cleanup_expired_sessions()');
