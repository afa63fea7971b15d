-- Up Migration
CREATE TABLE accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  name text NOT NULL DEFAULT '',
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT accounts_email_normalised CHECK (email = lower(email))
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (email);

-- Sessions are revocable rows. `kind`: cookie (standalone browser), canvas (bearer inside
-- Salesforce), pending_link (bearer for a verified but not yet linked Salesforce user).
CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid REFERENCES accounts (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('cookie', 'canvas', 'pending_link')),
  link_id uuid,
  pending_identity jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  ip text,
  user_agent text,
  CONSTRAINT sessions_account_or_pending CHECK ((kind = 'pending_link') = (account_id IS NULL))
);
CREATE INDEX sessions_account_idx ON sessions (account_id);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  account_id uuid,
  link_id uuid,
  event text NOT NULL,
  outcome text NOT NULL,
  ip text,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_account_idx ON audit_log (account_id, at DESC);

-- Every secret lives here, AES-256-GCM encrypted. The associated data binds a ciphertext to
-- (owner_kind, owner_id, name), so a ciphertext copied to another row does not decrypt.
CREATE TABLE encrypted_secrets (
  owner_kind text NOT NULL,
  owner_id uuid NOT NULL,
  name text NOT NULL,
  key_id text NOT NULL,
  ciphertext bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_kind, owner_id, name)
);
CREATE INDEX encrypted_secrets_key_idx ON encrypted_secrets (key_id);

-- Down Migration
DROP TABLE encrypted_secrets;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE accounts;
