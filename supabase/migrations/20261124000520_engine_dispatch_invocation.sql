-- waking the dispatcher through pg_net. the url and a narrow secret of the
-- dispatcher's own come from vault at call time, so no secret is ever written
-- into cron.job.command; the service_role key is never sent through pg_net
-- (anything queued there is readable until it is sent).

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

-- work that should start now (manual runs, events, approvals) wakes the
-- dispatcher at once instead of waiting for the minute tick; without Vault
-- entries it only warns, and the next tick picks the work up
create or replace function scheduler_internal.wake_dispatcher(p_reason text default 'immediate') returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  perform scheduler_internal.invoke_dispatcher(p_reason);
exception when sqlstate '55000' then
  raise warning '%', sqlerrm;
end;
$$;
comment on function scheduler_internal.wake_dispatcher(text) is 'invoke_dispatcher for immediate work: warns instead of failing when the Vault entries are missing.';
revoke execute on function scheduler_internal.wake_dispatcher(text) from public, anon, authenticated;

create or replace function scheduler_internal.tg_task_runs__wake_dispatcher() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (
    select 1 from new_runs
    where status = 'queued' and scheduled_time <= scheduler_internal.clock_now() + interval '5 seconds'
  ) then
    perform scheduler_internal.wake_dispatcher('immediate');
  end if;
  return null;
end;
$$;
comment on function scheduler_internal.tg_task_runs__wake_dispatcher() is 'Wakes the dispatcher when runs are queued due now (manual, event, dependency), after commit via pg_net.';
revoke execute on function scheduler_internal.tg_task_runs__wake_dispatcher() from public, anon, authenticated;

create trigger _900_wake_dispatcher after insert on scheduler.task_runs
referencing new table as new_runs
for each statement execute function scheduler_internal.tg_task_runs__wake_dispatcher();
