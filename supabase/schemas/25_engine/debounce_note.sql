-- the note a debounced run carries in wait_reason; the event trigger reads
-- the count back from it when a later event of the window folds in
create or replace function scheduler_internal.debounce_note(p_events integer, p_window interval, p_inputs text)
returns text
language sql immutable
set search_path = ''
as $$
  select 'debounced: ' || p_events || case when p_events = 1 then ' event' else ' events' end
    || ' within ' || p_window || ' (debounce_window), '
    || case when p_inputs = 'all' then 'all of them in its inputs.events (debounce_inputs all)'
            else 'the last one''s payload as its inputs (debounce_inputs last)' end
$$;

comment on function scheduler_internal.debounce_note(integer, interval, text) is 'What a debounced run says it gathered: how many events, the window, which inputs.';

revoke execute on function scheduler_internal.debounce_note(integer, interval, text) from public, anon, authenticated;
