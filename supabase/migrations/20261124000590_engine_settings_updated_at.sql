-- private.settings has updated_at; keep it with the shared trigger like every
-- other mutable table.
create trigger _100_set_updated_at before update on private.settings
for each row execute function private.tg__set_updated_at();
