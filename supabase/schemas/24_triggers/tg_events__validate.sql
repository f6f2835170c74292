-- an event's payload becomes the inputs of the runs it starts; its key
-- names it to the idempotency check that follows
create or replace function scheduler_internal.tg_events__validate() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if jsonb_typeof(new.payload) is distinct from 'object' then
    raise exception 'payload: must be a JSON object (the runs it starts read it as {{inputs.<field>}}), got %', coalesce(jsonb_typeof(new.payload), 'null')
      using errcode = '22023';
  end if;
  if scheduler_internal.json_size_error('payload', new.payload, 65536) is not null then
    raise exception '%', scheduler_internal.json_size_error('payload', new.payload, 65536) using errcode = '22023';
  end if;
  if new.idempotency_key is not null and length(new.idempotency_key) not between 1 and 255 then
    raise exception 'idempotency_key: must be 1 to 255 characters, got %', length(new.idempotency_key) using errcode = '22023';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_events__validate() is 'Refuses an event whose payload is not a JSON object of at most 64 KiB, or whose idempotency_key is empty or longer than 255 characters.';

revoke execute on function scheduler_internal.tg_events__validate() from public, anon, authenticated;
