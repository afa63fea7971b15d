-- Up Migration
-- "Connect with Salesforce" / "Sign in with Salesforce" in flight: the state parameter names
-- this row; the PKCE verifier is in encrypted_secrets (owner_kind 'oauth_state').
CREATE TABLE oauth_states (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  intent text NOT NULL CHECK (intent IN ('link', 'signin', 'ticket')),
  account_id uuid REFERENCES accounts (id) ON DELETE CASCADE,
  session_id uuid,
  link_id uuid,
  login_url text NOT NULL,
  environment text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- Down Migration
DROP TABLE oauth_states;
