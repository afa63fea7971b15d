-- Up Migration
-- Whether a saved connection still works against its org: set when a check (the list, a
-- readiness check, a connect or a pull) finds a field removed in Salesforce or no longer
-- filterable, cleared by an edit. NULL: not checked since the last edit.
ALTER TABLE connections
  ADD COLUMN health_state text CHECK (health_state IN ('ok', 'broken')),
  ADD COLUMN health_code text,
  ADD COLUMN health_message text,
  ADD COLUMN health_field text,
  ADD COLUMN health_checked_at timestamptz;

-- Down Migration
ALTER TABLE connections
  DROP COLUMN health_checked_at,
  DROP COLUMN health_field,
  DROP COLUMN health_message,
  DROP COLUMN health_code,
  DROP COLUMN health_state;
