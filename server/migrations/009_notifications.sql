-- Up Migration
-- Email notifications to account owners (server/src/notifications/).

-- Per account: may SF Link email the owner about Salesforce access? No row = yes.
CREATE TABLE notification_preferences (
  account_id uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  access_emails boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Emails to send, written in the same transaction as the change they report (an outbox):
-- a crash between the change and the send loses nothing. `dedupe_key` makes each email of
-- one state exist once, however often the state is recorded. The worker leases a row by
-- moving `next_attempt_at` forward before sending, so a worker killed mid-send leaves the
-- row to be taken again after the lease.
CREATE TABLE notification_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  kind text NOT NULL,
  dedupe_key text NOT NULL UNIQUE,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'skipped', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  recipient text,
  last_error text
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_outbox_account_idx ON notification_outbox (account_id, created_at);

-- A credential's "needs attention" episodes: one row per credential, `episode` counting the
-- times it broke. Reminders are counted per episode (24 h, then 72 h after it broke).
CREATE TABLE credential_alerts (
  credential_id uuid PRIMARY KEY REFERENCES salesforce_credentials (id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  episode integer NOT NULL DEFAULT 1,
  state text NOT NULL CHECK (state IN ('broken', 'restored')),
  reason text,
  broken_at timestamptz NOT NULL,
  reminders_sent integer NOT NULL DEFAULT 0,
  restored_at timestamptz
);
CREATE INDEX credential_alerts_broken_idx ON credential_alerts (broken_at) WHERE state = 'broken';

-- The state transition is recorded where the status changes, whichever code path changes it
-- (a failed login opening the circuit, the person saving a new credential or token): in the
-- same statement's transaction, so "needs attention" and its email are one durable fact.
-- Working means 'ok' or 'rate_limited' (that passes by itself); any other status, today
-- 'needs_attention', is one the person has to fix.
CREATE FUNCTION record_credential_alert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  owner uuid;
  ep integer;
BEGIN
  IF NEW.status NOT IN ('ok', 'rate_limited') AND (TG_OP = 'INSERT' OR OLD.status IN ('ok', 'rate_limited')) THEN
    SELECT account_id INTO owner FROM salesforce_links WHERE id = NEW.link_id;
    IF owner IS NULL THEN
      RETURN NEW;
    END IF;
    INSERT INTO credential_alerts AS a (credential_id, account_id, state, reason, broken_at)
    VALUES (NEW.id, owner, 'broken', NEW.reason, now())
    ON CONFLICT (credential_id) DO UPDATE
      SET episode = a.episode + 1, state = 'broken', reason = EXCLUDED.reason, broken_at = now(),
          reminders_sent = 0, restored_at = NULL, account_id = EXCLUDED.account_id
      WHERE a.state = 'restored'
    RETURNING episode INTO ep;
    IF ep IS NOT NULL THEN
      INSERT INTO notification_outbox (account_id, kind, dedupe_key, data)
      VALUES (owner, 'access_broken', 'credential:' || NEW.id || ':' || ep || ':broken',
              jsonb_build_object('credentialId', NEW.id, 'episode', ep, 'credentialKind', NEW.kind, 'reason', NEW.reason,
                                 'username', NEW.username, 'brokenAt', now()))
      ON CONFLICT (dedupe_key) DO NOTHING;
    END IF;
  ELSIF TG_OP = 'UPDATE' AND OLD.status NOT IN ('ok', 'rate_limited') AND NEW.status IN ('ok', 'rate_limited') THEN
    UPDATE credential_alerts SET state = 'restored', restored_at = now()
    WHERE credential_id = NEW.id AND state = 'broken'
    RETURNING episode, account_id INTO ep, owner;
    IF ep IS NOT NULL THEN
      INSERT INTO notification_outbox (account_id, kind, dedupe_key, data)
      VALUES (owner, 'access_restored', 'credential:' || NEW.id || ':' || ep || ':restored',
              jsonb_build_object('credentialId', NEW.id, 'episode', ep, 'credentialKind', NEW.kind, 'username', NEW.username,
                                 'restoredAt', now()))
      ON CONFLICT (dedupe_key) DO NOTHING;
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER salesforce_credentials_alert
AFTER INSERT OR UPDATE OF status ON salesforce_credentials
FOR EACH ROW EXECUTE FUNCTION record_credential_alert();

-- Down Migration
DROP TRIGGER salesforce_credentials_alert ON salesforce_credentials;
DROP FUNCTION record_credential_alert();
DROP TABLE credential_alerts;
DROP TABLE notification_outbox;
DROP TABLE notification_preferences;
