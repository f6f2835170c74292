create function scheduler_internal.uuid_v7(p_at timestamptz default clock_timestamp()) returns uuid
language sql volatile parallel safe
set search_path = ''
as $$
  -- a random uuid with its first 6 bytes replaced by the milliseconds, and
  -- the version nibble turned from 4 (0100) into 7 (0111)
  select encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
        placing substring(int8send(floor(extract(epoch from p_at) * 1000)::bigint) from 3)
        from 1 for 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;

comment on function scheduler_internal.uuid_v7(timestamptz) is 'A time-ordered UUID (version 7, RFC 9562) for p_at (default: the current clock time); the id default of the history tables.';

revoke execute on function scheduler_internal.uuid_v7(timestamptz) from public, anon;

grant execute on function scheduler_internal.uuid_v7(timestamptz) to authenticated, service_role;
