-- Up Migration
-- record_credential_alert (009) acts only when a credential is created broken, or its status
-- crosses between working ('ok', 'rate_limited') and not. The trigger called it for every
-- UPDATE naming status, and every canvas visit renews its canvas credential with
-- status = 'ok': a PL/pgSQL call and a queued after-trigger event per visit that did nothing.
-- The same conditions as WHEN clauses are checked by Postgres itself, and rows that don't
-- meet them queue no event. The function is unchanged.
DROP TRIGGER salesforce_credentials_alert ON salesforce_credentials;

CREATE TRIGGER salesforce_credentials_alert_insert
AFTER INSERT ON salesforce_credentials
FOR EACH ROW WHEN (NEW.status NOT IN ('ok', 'rate_limited'))
EXECUTE FUNCTION record_credential_alert();

CREATE TRIGGER salesforce_credentials_alert_update
AFTER UPDATE OF status ON salesforce_credentials
FOR EACH ROW WHEN ((OLD.status IN ('ok', 'rate_limited')) IS DISTINCT FROM (NEW.status IN ('ok', 'rate_limited')))
EXECUTE FUNCTION record_credential_alert();

-- Down Migration
DROP TRIGGER salesforce_credentials_alert_update ON salesforce_credentials;
DROP TRIGGER salesforce_credentials_alert_insert ON salesforce_credentials;
CREATE TRIGGER salesforce_credentials_alert
AFTER INSERT OR UPDATE OF status ON salesforce_credentials
FOR EACH ROW EXECUTE FUNCTION record_credential_alert();
