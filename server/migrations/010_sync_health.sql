-- Up Migration
-- Bounces the mailing side reported, each kept: soft ones are counted, hard ones are also
-- written to the matching Contacts and Leads (bounce_sync). Emails are normalised.
CREATE TABLE bounces (
  id bigserial PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  email text NOT NULL,
  type text NOT NULL CHECK (type IN ('hard', 'soft')),
  reason text NOT NULL,
  bounced_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bounces_account_idx ON bounces (account_id, type);

-- Push state of each (link, address) with a hard bounce, as unsubscribe_sync: the truth the
-- bounce push works from. `bounce_reason` and `bounced_at` are the latest hard bounce's; a
-- later bounce of an address already pushed makes the row pending again.
CREATE TABLE bounce_sync (
  link_id uuid NOT NULL REFERENCES salesforce_links (id) ON DELETE CASCADE,
  email text NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  bounce_reason text NOT NULL,
  bounced_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'synced', 'no_match', 'failed')),
  reason text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  synced_record_ids text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (link_id, email)
);
CREATE INDEX bounce_sync_due_idx ON bounce_sync (link_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX bounce_sync_account_status_idx ON bounce_sync (account_id, status);

ALTER TABLE unsubscribe_sync_state ADD COLUMN last_bounce_push_at timestamptz;

-- Salesforce API calls SF Link made, per org and hour (the last 24 h are summed for the cap).
CREATE TABLE salesforce_api_usage (
  organization_id text NOT NULL,
  hour timestamptz NOT NULL,
  calls integer NOT NULL DEFAULT 0,
  PRIMARY KEY (organization_id, hour)
);

-- Per org: its own usage and daily limit as Salesforce last reported them (Sforce-Limit-Info),
-- and the share of that limit SF Link's background work may use (null: no cap).
CREATE TABLE salesforce_org_api (
  organization_id text PRIMARY KEY,
  api_used integer,
  api_limit integer,
  observed_at timestamptz,
  cap_percent numeric(7, 4) CHECK (cap_percent > 0 AND cap_percent <= 100),
  cap_reached_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE salesforce_org_api;
DROP TABLE salesforce_api_usage;
ALTER TABLE unsubscribe_sync_state DROP COLUMN last_bounce_push_at;
DROP TABLE bounce_sync;
DROP TABLE bounces;
