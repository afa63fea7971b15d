-- Up Migration
-- API keys let the mailing side call SF Link without a browser session. Only a SHA-256 of
-- the whole key is kept; `prefix` (the 8 characters after "sfl_") finds the row and is
-- what lists show.
CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  CONSTRAINT api_keys_prefix_key UNIQUE (prefix)
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, created_at DESC);

-- The account's suppression list: addresses that must not be mailed. `source` says who
-- reported it first: the mailing side ('app') or an opt-out pulled from Salesforce.
-- Emails are normalised (trimmed, NFKC, lower case) before they get here.
CREATE TABLE suppressions (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  email text NOT NULL,
  source text NOT NULL CHECK (source IN ('app', 'salesforce')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, email)
);
CREATE INDEX suppressions_account_recent_idx ON suppressions (account_id, created_at DESC, email);

-- Push state of each (link, address): the truth the push job works from (jobs only speed it
-- up). A pair is pushed once: pending → synced | no_match | failed. A pending row whose push
-- failed for that address waits until next_attempt_at.
CREATE TABLE unsubscribe_sync (
  link_id uuid NOT NULL REFERENCES salesforce_links (id) ON DELETE CASCADE,
  email text NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'synced', 'no_match', 'failed')),
  reason text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  synced_record_ids text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (link_id, email)
);
CREATE INDEX unsubscribe_sync_due_idx ON unsubscribe_sync (link_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX unsubscribe_sync_account_status_idx ON unsubscribe_sync (account_id, status);
CREATE INDEX unsubscribe_sync_account_failed_idx ON unsubscribe_sync (account_id, updated_at DESC) WHERE status = 'failed';

-- Per link: why the sync is paused (a broken credential; it resumes when the credential is
-- ok again), when it last pushed and pulled, and the pull watermark (the highest
-- SystemModstamp read from Salesforce). `pull_attempted_at`: when the sweep last queued a
-- pull (or found the link unable to connect), so it does not ask again every minute.
-- `backfilled_at`: the link's pending rows were created for the suppressions reported
-- before the link existed.
CREATE TABLE unsubscribe_sync_state (
  link_id uuid PRIMARY KEY REFERENCES salesforce_links (id) ON DELETE CASCADE,
  paused_code text,
  paused_at timestamptz,
  last_push_at timestamptz,
  last_pull_at timestamptz,
  pull_watermark timestamptz,
  pull_attempted_at timestamptz,
  backfilled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE unsubscribe_sync_state;
DROP TABLE unsubscribe_sync;
DROP TABLE suppressions;
DROP TABLE api_keys;
