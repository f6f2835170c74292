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
