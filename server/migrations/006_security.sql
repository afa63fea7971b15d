-- Up Migration
-- Rate-limit counters in Postgres, so that every instance counts against one limit: the
-- routes' limits (@fastify/rate-limit's store, server/src/rate-limits/store.ts) and the
-- credential-proving limits. One row per key and fixed window; stale rows are purged by the
-- cleanup job.
CREATE TABLE rate_limit_hits (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  window_ends_at timestamptz NOT NULL
);
CREATE INDEX rate_limit_hits_window_idx ON rate_limit_hits (window_ends_at);

-- App sign-in attempts per (account email, client address): each attempt is reserved here
-- before the password is checked, and past the free attempts each one waits twice as long
-- as the one before. Another address (the owner's) is not slowed down. `email` is the
-- normalised address typed, whether or not such an account exists.
CREATE TABLE login_throttle (
  email text NOT NULL,
  ip text NOT NULL,
  attempts integer NOT NULL,
  last_attempt_at timestamptz NOT NULL DEFAULT now(),
  next_allowed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (email, ip)
);
CREATE INDEX login_throttle_last_attempt_idx ON login_throttle (last_attempt_at);

-- Canvas signed requests already seen (SHA-256 of the decoded signature) and when first.
-- A request seen before and older than a few minutes must prove its OAuth token to Salesforce.
CREATE TABLE canvas_signed_requests (
  digest bytea PRIMARY KEY,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  seen_count integer NOT NULL DEFAULT 1
);
CREATE INDEX canvas_signed_requests_first_seen_idx ON canvas_signed_requests (first_seen_at);

-- The OAuth state is bound to the browser that started the flow: SHA-256 of the nonce kept
-- in that browser's HttpOnly cookie. The callback consumes the state only with that cookie.
ALTER TABLE oauth_states ADD COLUMN browser_nonce_hash bytea;
CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at);

-- For the cleanup job, which deletes what has expired.
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Down Migration
DROP INDEX sessions_expires_idx;
DROP INDEX oauth_states_expires_idx;
ALTER TABLE oauth_states DROP COLUMN browser_nonce_hash;
DROP TABLE canvas_signed_requests;
DROP TABLE login_throttle;
DROP TABLE rate_limit_hits;
