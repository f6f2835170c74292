-- a run handed to its action function but not yet started gets a state of its
-- own: waiting for its second is not running. Its own migration, because a
-- new enum value cannot be used in the transaction that adds it.
alter type scheduler.run_status add value if not exists 'claimed' after 'awaiting_approval';
comment on type scheduler.run_status is
  'queued (waiting for its time or its turn), awaiting_approval, claimed (handed to its action, nothing sent yet), running (started), completed, failed, cancelled, skipped.';
