-- LOCAL STAND-IN for Supabase Vault (the supabase_vault extension).
--
-- Why: the real Vault encrypts with libsodium through pgsodium, and neither is
-- installable here. This keeps Vault's interface: `vault.secrets` holding
-- ciphertext, the `vault.decrypted_secrets` view with `decrypted_secret`,
-- `vault.create_secret(...)` and `vault.update_secret(...)`, with Supabase's
-- privileges (postgres and service_role may read decrypted secrets, the API
-- roles may not). Encryption is pgcrypto's pgp_sym_encrypt with a per-cluster
-- key that only the extension owner can read.


create table vault._root_key (
  id boolean primary key default true check (id),
  key text not null default encode(extensions.gen_random_bytes(32), 'hex')
);
insert into vault._root_key default values;
revoke all on vault._root_key from public;

create table vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea default extensions.gen_random_bytes(16),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index secrets_name_idx on vault.secrets (name) where name is not null;
comment on table vault.secrets is 'Table with encrypted `secret` column for storing sensitive information on disk.';

create function vault._encrypt(p_plain text) returns text
language sql volatile security definer
set search_path = ''
as $$
  select encode(extensions.pgp_sym_encrypt(p_plain, (select key from vault._root_key)), 'base64')
$$;

create function vault._decrypt(p_cipher text) returns text
language sql stable security definer
set search_path = ''
as $$
  select extensions.pgp_sym_decrypt(decode(p_cipher, 'base64'), (select key from vault._root_key))
$$;

create view vault.decrypted_secrets as
select s.id, s.name, s.description, s.secret,
       vault._decrypt(s.secret) as decrypted_secret,
       s.key_id, s.nonce, s.created_at, s.updated_at
from vault.secrets s;

create function vault.create_secret(
  new_secret text,
  new_name text default null,
  new_description text default '',
  new_key_id uuid default null
) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  insert into vault.secrets (secret, name, description, key_id)
  values (vault._encrypt(new_secret), new_name, coalesce(new_description, ''), new_key_id)
  returning id into v_id;
  return v_id;
end;
$$;

create function vault.update_secret(
  secret_id uuid,
  new_secret text default null,
  new_name text default null,
  new_description text default null,
  new_key_id uuid default null
) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  update vault.secrets s
  set secret = coalesce(vault._encrypt(new_secret), s.secret),
      name = coalesce(new_name, s.name),
      description = coalesce(new_description, s.description),
      key_id = coalesce(new_key_id, s.key_id),
      updated_at = now()
  where s.id = secret_id;
end;
$$;

revoke all on all tables in schema vault from public;
revoke execute on all functions in schema vault from public;
grant usage on schema vault to postgres, service_role;
grant select, delete on vault.secrets, vault.decrypted_secrets to postgres, service_role;
grant execute on function vault.create_secret(text, text, text, uuid), vault.update_secret(uuid, text, text, text, uuid) to postgres, service_role;
grant execute on function vault._decrypt(text) to postgres, service_role;
