create type scheduler.run_status as enum (
  'queued', 'awaiting_approval', 'claimed', 'running', 'completed', 'failed', 'cancelled', 'skipped'
);

comment on type scheduler.run_status is
  'queued (waiting for its time or its turn), awaiting_approval, claimed (handed to its action, nothing sent yet), running (started), completed, failed, cancelled, skipped.';
