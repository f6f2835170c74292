create or replace function scheduler_internal.invoke_dispatcher(p_reason text default 'tick') returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  v_url text;
  v_secret text;
begin
  select decrypted_secret into v_url from vault.decrypted_secrets where name = 'project_url';
  select decrypted_secret into v_secret from vault.decrypted_secrets where name = 'dispatcher_secret';
  if v_url is null or v_secret is null then
    raise exception 'the dispatcher cannot be called: create the Vault secrets project_url and dispatcher_secret (see README, "Deploy to hosted Supabase")'
      using errcode = '55000';
  end if;
  return net.http_post(
    url := rtrim(v_url, '/') || '/functions/v1/dispatcher',
    body := jsonb_build_object('reason', p_reason),
    headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || v_secret),
    timeout_milliseconds := coalesce((scheduler_internal.setting('dispatcher_timeout_ms'))::integer, 10000)
  );
end;
$$;

comment on function scheduler_internal.invoke_dispatcher(text) is 'POSTs to the dispatcher function with the dispatcher secret from Vault; pg_cron''s dispatch-due-tasks calls it every minute.';

revoke execute on function scheduler_internal.invoke_dispatcher(text) from public, anon, authenticated;
