-- clear messages for owner limits; the check constraints stay as the backstop
create or replace function scheduler_internal.tg_owner_limits__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.max_in_flight is not null and new.max_in_flight not between 1 and 1000000 then
    raise exception 'max_in_flight: must be between 1 and 1000000 (null: the owner_max_in_flight setting), got %', new.max_in_flight
      using errcode = '22023';
  end if;
  if new.weight is null or new.weight not between 1 and 100 then
    raise exception 'weight: must be between 1 and 100, got %', coalesce(new.weight::text, 'null')
      using errcode = '22023';
  end if;
  if length(new.note) > 1000 then
    raise exception 'note: is % characters; the limit is 1000', length(new.note) using errcode = '22023';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_owner_limits__validate() is 'Refuses an owner limit or weight out of range, naming the field (22023).';

revoke execute on function scheduler_internal.tg_owner_limits__validate() from public, anon, authenticated;
