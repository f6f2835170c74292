-- the settings that are limits are refused out of range when written,
-- naming the setting (22023), rather than failing the claim at the next
-- tick: owner_max_in_flight, the claim's per-owner cap on runs in flight
-- (the claim keeps its own check as the backstop for rows written with
-- triggers off)
create or replace function scheduler_internal.tg_settings__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.key = 'owner_max_in_flight' and jsonb_typeof(new.value) <> 'null'
     and (jsonb_typeof(new.value) <> 'number'
          or (new.value #>> '{}')::numeric not between 1 and 1000000
          or (new.value #>> '{}')::numeric <> trunc((new.value #>> '{}')::numeric)) then
    raise exception 'owner_max_in_flight setting: must be a whole number between 1 and 1000000, or null for no cap; got %', new.value
      using errcode = '22023';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_settings__validate() is 'Refuses a limit setting out of range when written, naming it (22023): owner_max_in_flight (a whole number of at least 1, or null).';

revoke execute on function scheduler_internal.tg_settings__validate() from public, anon, authenticated;
