create or replace function scheduler.my_inbound_secret() returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_secret text;
begin
  if v_uid is null then
    raise exception 'my_inbound_secret() needs a signed-in user' using errcode = '42501';
  end if;
  insert into scheduler_internal.signing_secrets (user_id) values (v_uid) on conflict (user_id) do nothing;
  select inbound_secret into v_secret from scheduler_internal.signing_secrets where user_id = v_uid;
  return v_secret;
end;
$$;

comment on function scheduler.my_inbound_secret() is 'The caller''s inbound secret (whsec_...), created on first use: systems that send you events sign them with it (Standard Webhooks) and post them to /functions/v1/inbound-events/<your user id>.';

revoke execute on function scheduler.my_inbound_secret() from public, anon;

grant execute on function scheduler.my_inbound_secret() to authenticated;
