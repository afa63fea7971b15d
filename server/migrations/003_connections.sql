-- Up Migration
-- A database connection: a saved, named live query of the linked org (docs/spec.md §2). The
-- definition is kept structured (never as SOQL): SOQL is built from it at use time by
-- server/src/salesforce/soql.ts, against the object's describe.
CREATE TABLE connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name text NOT NULL,
  sobject text NOT NULL CHECK (sobject IN ('Contact', 'Lead', 'CampaignMember')),
  fields jsonb NOT NULL DEFAULT '[]'::jsonb,
  filters jsonb NOT NULL DEFAULT '[]'::jsonb,
  logic text NOT NULL DEFAULT 'AND' CHECK (logic IN ('AND', 'OR')),
  exclude_opted_out boolean NOT NULL DEFAULT true,
  require_email boolean NOT NULL DEFAULT false,
  exclude_suppressed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connections_account_idx ON connections (account_id, created_at);

-- Describes of an org's objects, shared by every instance (the app keeps no state in
-- memory). Rows older than the TTL (1 hour) are refetched and overwritten.
CREATE TABLE describe_cache (
  organization_id text NOT NULL,
  sobject text NOT NULL,
  body jsonb NOT NULL,
  fetched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, sobject)
);

-- Down Migration
DROP TABLE describe_cache;
DROP TABLE connections;
