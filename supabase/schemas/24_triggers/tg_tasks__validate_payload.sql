create or replace function scheduler_internal.tg_tasks__validate_payload() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_error text;
begin
  if tg_op = 'INSERT' or new.action_payload is distinct from old.action_payload or new.action_type is distinct from old.action_type then
    v_error := scheduler_internal.action_payload_error(new.action_type, new.action_payload);
    if v_error is not null then
      raise exception 'invalid action_payload for %: %', new.action_type, v_error
        using errcode = '22023', hint = 'see README, "Actions", for each action''s payload';
    end if;
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_tasks__validate_payload() is 'Refuses a task whose action_payload does not match its action''s schema.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_tasks__validate_payload() from public, anon, authenticated;
