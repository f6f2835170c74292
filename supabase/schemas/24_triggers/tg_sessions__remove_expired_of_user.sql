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
