create or replace function scheduler_internal.tg_auth_users__sync_profile_email() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update scheduler.profiles set email = new.email where id = new.id and email is distinct from new.email;
  return null;
end;
$$;

comment on function scheduler_internal.tg_auth_users__sync_profile_email() is 'Keeps profiles.email equal to auth.users.email when Supabase Auth changes it.';

revoke execute on function scheduler_internal.tg_auth_users__sync_profile_email() from public, anon, authenticated;
