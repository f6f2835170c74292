create or replace function scheduler_internal.tg_tasks__ensure_signing_secret() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_level = 'STATEMENT' then
    insert into scheduler_internal.signing_secrets (user_id)
    select distinct n.owner_id from new_tasks n where n.action_type in ('http', 'edge-function', 'watch') and n.owner_id is not null
    on conflict (user_id) do nothing;
  elsif new.owner_id is not null then
    insert into scheduler_internal.signing_secrets (user_id) values (new.owner_id) on conflict (user_id) do nothing;
  end if;
  return null;
end;
$$;

comment on function scheduler_internal.tg_tasks__ensure_signing_secret() is 'Gives the owner of an http, edge-function or watch task (whose polls are signed) webhook signing secrets (scheduler_internal.signing_secrets) if they have none.';

revoke execute on function scheduler_internal.tg_tasks__ensure_signing_secret() from public, anon, authenticated;
