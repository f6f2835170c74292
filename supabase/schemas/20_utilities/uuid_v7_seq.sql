-- the ids of rows one statement writes in a given order (a watcher's events,
-- the runs they start): uuid_v7 draws its bits after the milliseconds at
-- random, so ids of one millisecond sort at random. This one keeps a 26-bit
-- counter there instead (RFC 9562, 6.2 method 1: the 12 bits of rand_a, then
-- the 14 bits after the variant), so ids made for one p_at sort by p_seq;
-- the last six bytes stay random, so two statements never collide.
create function scheduler_internal.uuid_v7_seq(p_at timestamptz, p_seq bigint) returns uuid
language plpgsql volatile parallel safe
set search_path = ''
as $$
declare
  v_bytes bytea;
begin
  if p_seq is null or p_seq < 0 or p_seq >= 67108864 then
    raise exception 'uuid_v7_seq: p_seq must be between 0 and 67108863, got %', p_seq using errcode = '22023';
  end if;
  v_bytes := uuid_send(scheduler_internal.uuid_v7(p_at));
  -- version 7 and the counter's top 12 bits; the variant (10) and its next 14
  v_bytes := set_byte(v_bytes, 6, (112 | ((p_seq >> 22) & 15))::integer);
  v_bytes := set_byte(v_bytes, 7, ((p_seq >> 14) & 255)::integer);
  v_bytes := set_byte(v_bytes, 8, (128 | ((p_seq >> 8) & 63))::integer);
  v_bytes := set_byte(v_bytes, 9, (p_seq & 255)::integer);
  return encode(v_bytes, 'hex')::uuid;
end;
$$;

comment on function scheduler_internal.uuid_v7_seq(timestamptz, bigint) is 'A UUID version 7 for p_at whose bits after the milliseconds are the counter p_seq (0 to 2^26 - 1), so the ids one statement makes for one p_at sort in p_seq order.';

revoke execute on function scheduler_internal.uuid_v7_seq(timestamptz, bigint) from public, anon;

grant execute on function scheduler_internal.uuid_v7_seq(timestamptz, bigint) to authenticated, service_role;
