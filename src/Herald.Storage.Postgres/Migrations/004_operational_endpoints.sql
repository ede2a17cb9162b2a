-- Operational webhook endpoints: registered without a recipient, they receive Herald's own lifecycle events.
ALTER TABLE webhook_endpoints ALTER COLUMN recipient_id DROP NOT NULL;
CREATE INDEX ix_webhook_endpoints_operational ON webhook_endpoints(created_at) WHERE recipient_id IS NULL;
