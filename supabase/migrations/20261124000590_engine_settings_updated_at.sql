-- scheduler_internal.settings has updated_at; keep it with the shared trigger like every
-- other mutable table.
create trigger _100_set_updated_at before update on scheduler_internal.settings
for each row execute function scheduler_internal.tg__set_updated_at();
