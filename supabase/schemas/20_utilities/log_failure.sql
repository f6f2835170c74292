create or replace function scheduler_internal.log_failure(p_module text, p_step text, p_sqlstate text, p_message text) returns jsonb
language plpgsql
set search_path = ''
as $$
begin
  raise warning '%: % failed: % (SQLSTATE %)', p_module, p_step, p_message, p_sqlstate;
  begin
    insert into scheduler.system_logs (level, module, message, metadata)
    values ('error', p_module, p_step || ' failed: ' || p_message, jsonb_build_object('step', p_step, 'sqlstate', p_sqlstate));
  exception when others then
    raise warning '%: could not record that failure in system_logs: %', p_module, sqlerrm;
  end;
  return jsonb_build_object('error', p_message, 'sqlstate', p_sqlstate);
end;
$$;

comment on function scheduler_internal.log_failure(text, text, text, text) is 'Reports a failed step of scheduler_tick or prune-history: raises a warning, writes an error row to system_logs (module, metadata.step, metadata.sqlstate) and returns {error, sqlstate}.';

revoke execute on function scheduler_internal.log_failure(text, text, text, text) from public, anon, authenticated, service_role;
