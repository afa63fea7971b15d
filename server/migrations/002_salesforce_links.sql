-- Up Migration
-- A Salesforce user (org ID + user ID) links to exactly one app account; an app account
-- links at most one user per org (production and a sandbox, for example).
CREATE TABLE salesforce_links (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  organization_id text NOT NULL,
  salesforce_user_id text NOT NULL,
  instance_url text NOT NULL,
  username text NOT NULL,
  email text NOT NULL DEFAULT '',
  name text NOT NULL DEFAULT '',
  linked_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT salesforce_links_user_key UNIQUE (organization_id, salesforce_user_id),
  CONSTRAINT salesforce_links_account_org_key UNIQUE (account_id, organization_id)
);

-- Credentials that reach Salesforce for a link. Secrets (password, token, refresh token,
-- cached access token) live encrypted in encrypted_secrets, owned by the credential row.
-- `version` changes whenever the person changes the credential: an open circuit
-- (status needs_attention) applies to one version only.
CREATE TABLE salesforce_credentials (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  link_id uuid NOT NULL REFERENCES salesforce_links (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('canvas', 'oauth_refresh', 'jwt_bearer', 'password_token')),
  status text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'needs_attention', 'rate_limited')),
  reason text,
  username text,
  environment text,
  login_url text,
  instance_url text,
  version integer NOT NULL DEFAULT 1,
  expires_at timestamptz,
  last_success_at timestamptz,
  last_failure_at timestamptz,
  failure_count integer NOT NULL DEFAULT 0,
  retry_after timestamptz,
  access_instance_url text,
  access_obtained_at timestamptz,
  access_version integer,
  login_lease_until timestamptz,
  login_lease_owner text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT salesforce_credentials_link_kind_key UNIQUE (link_id, kind)
);

-- Down Migration
DROP TABLE salesforce_credentials;
DROP TABLE salesforce_links;
