-- updates: a generic guard, tg_argv = the attribution columns of the table
create or replace function scheduler_internal.tg__guard_attribution() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_old jsonb := pg_catalog.to_jsonb(old);
  v_new jsonb := pg_catalog.to_jsonb(new);
  v_column text;
begin
  if scheduler_internal.acting_as_system() or (select scheduler_internal.is_admin()) then
    return new;
  end if;
  foreach v_column in array tg_argv loop
    if v_new -> v_column is distinct from v_old -> v_column then
      raise exception 'only an admin may change %.%', tg_table_name, v_column
        using errcode = '42501';
    end if;
  end loop;
  return new;
end;
$$;

comment on function scheduler_internal.tg__guard_attribution() is 'Before update: the columns named in the trigger''s arguments (who created, granted or produced a row) change only by admins or service work.';

-- a trigger function: only its trigger calls it (EXECUTE is checked when
-- the trigger is created, not when it fires)
revoke execute on function scheduler_internal.tg__guard_attribution() from public, anon, authenticated;
