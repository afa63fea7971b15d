-- Up Migration
-- A self-authorizing canvas app's approval ("approve" intent: no SF Link session yet, the
-- person approves SF Link in Salesforce from inside the iframe), and flows that run in a
-- popup window: they end on a page that says how it went and closes itself.
ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_intent_check;
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_intent_check
  CHECK (intent IN ('link', 'signin', 'ticket', 'approve'));
ALTER TABLE oauth_states ADD COLUMN popup boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE oauth_states DROP COLUMN popup;
DELETE FROM oauth_states WHERE intent = 'approve';
ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_intent_check;
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_intent_check CHECK (intent IN ('link', 'signin', 'ticket'));
