-- Up Migration
-- A self-authorizing canvas app's approval ("approve" intent: no SF Link session yet, the
-- person approves SF Link in Salesforce from inside the iframe), and flows that run in a
-- popup window: they end on a page that says how it went and closes itself.
ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_intent_check;
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_intent_check
  CHECK (intent IN ('link', 'signin', 'ticket', 'approve'));
ALTER TABLE oauth_states ADD COLUMN popup boolean NOT NULL DEFAULT false;

-- When the person last stored (or changed) each credential: once an OAuth refresh token stored
-- after the password works, the password and security token are deleted; a password stored
-- after it was a deliberate choice and stays (server/src/links/retire-password.ts).
ALTER TABLE salesforce_credentials ADD COLUMN saved_at timestamptz NOT NULL DEFAULT now();
UPDATE salesforce_credentials SET saved_at = created_at;

-- Down Migration
ALTER TABLE salesforce_credentials DROP COLUMN saved_at;
ALTER TABLE oauth_states DROP COLUMN popup;
DELETE FROM oauth_states WHERE intent = 'approve';
ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_intent_check;
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_intent_check CHECK (intent IN ('link', 'signin', 'ticket'));
