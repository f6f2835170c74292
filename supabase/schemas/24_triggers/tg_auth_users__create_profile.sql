create or replace function scheduler_internal.tg_auth_users__create_profile() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into scheduler.profiles (id, email, name)
  values (
    new.id,
    new.email,
    coalesce(new.raw_user_meta_data ->> 'name', new.raw_user_meta_data ->> 'full_name', pg_catalog.split_part(new.email, '@', 1))
  )
  on conflict (id) do nothing;
  return new;
end;
$$;

comment on function scheduler_internal.tg_auth_users__create_profile() is 'Creates the profile of every new auth user.';

revoke execute on function scheduler_internal.tg_auth_users__create_profile() from public, anon, authenticated;
