-- approvals: a decision is recorded in the decider's own name
-- (scheduler.decide_approval does exactly that)
create or replace function scheduler_internal.tg_approvals__guard_deciders() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
begin
  if scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin()) then
    return new;
  end if;
  if (new.approved_by is not null and new.approved_by is distinct from v_uid
        and (tg_op = 'INSERT' or new.approved_by is distinct from old.approved_by))
     or (new.rejected_by is not null and new.rejected_by is distinct from v_uid
        and (tg_op = 'INSERT' or new.rejected_by is distinct from old.rejected_by)) then
    raise exception 'an approval is decided in the caller''s own name'
      using errcode = '42501',
            hint = 'set approved_by or rejected_by to auth.uid(), or call scheduler.decide_approval';
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_approvals__guard_deciders() is 'A user records an approval or rejection only as themselves; admins and service work are exempt.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg_approvals__guard_deciders() from public, anon, authenticated;
