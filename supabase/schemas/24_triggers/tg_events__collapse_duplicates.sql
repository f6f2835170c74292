-- webhook-driven events arrive twice: an event whose owner already recorded
-- one with the same idempotency_key inside idempotency_window is dropped
-- before it exists, so it starts nothing and the insert reports no row.
-- A definer, because the keys are internal. A signed-in user inserting for
-- someone else is left to the policy, which refuses them: a drop there
-- would tell them which keys another user has used.
create or replace function scheduler_internal.tg_events__collapse_duplicates() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.user_id is null or ((select auth.uid()) is not null and new.user_id is distinct from (select auth.uid())) then
    return new;
  end if;
  if scheduler_internal.claim_idempotency_key('events', new.user_id, new.idempotency_key, new.id,
                                              scheduler_internal.clock_now()) is not null then
    return null;
  end if;
  return new;
end;
$$;

comment on function scheduler_internal.tg_events__collapse_duplicates() is 'Drops an event whose owner recorded one with the same idempotency_key inside the idempotency_window setting (it is not recorded and starts nothing); otherwise the event takes the key.';

revoke execute on function scheduler_internal.tg_events__collapse_duplicates() from public, anon, authenticated;
