-- Environments (issue 18): templates, digest rules and digests, campaigns, webhook endpoints and suppressions belong to
-- one environment; every row stored before environments belongs to the default one. Where the natural key is chosen by
-- the caller (a template id, a digest rule's event type, a suppressed address) the environment leads the primary key, so
-- the same key in two environments is two rows. Digests, campaigns and endpoints have generated ids: a column, and
-- indexes of per-environment reads that lead with it.
ALTER TABLE templates ADD COLUMN environment_id text NOT NULL DEFAULT 'env_default';
ALTER TABLE templates DROP CONSTRAINT templates_pkey, ADD PRIMARY KEY(environment_id, template_id, version);

ALTER TABLE suppressions ADD COLUMN environment_id text NOT NULL DEFAULT 'env_default';
ALTER TABLE suppressions DROP CONSTRAINT suppressions_pkey, ADD PRIMARY KEY(environment_id, channel, address);

ALTER TABLE digest_rules ADD COLUMN environment_id text NOT NULL DEFAULT 'env_default';
ALTER TABLE digest_rules DROP CONSTRAINT digest_rules_pkey, ADD PRIMARY KEY(environment_id, event_type);

ALTER TABLE digests ADD COLUMN environment_id text NOT NULL DEFAULT 'env_default';
DROP INDEX ux_digests_open;
CREATE UNIQUE INDEX ux_digests_open ON digests(environment_id, recipient_id, event_type, kind, group_key) WHERE status = 'open';

ALTER TABLE campaigns ADD COLUMN environment_id text NOT NULL DEFAULT 'env_default';

ALTER TABLE webhook_endpoints ADD COLUMN environment_id text NOT NULL DEFAULT 'env_default';
DROP INDEX ix_webhook_endpoints_recipient;
DROP INDEX ix_webhook_endpoints_operational;
CREATE INDEX ix_webhook_endpoints_recipient ON webhook_endpoints(environment_id, recipient_id);
CREATE INDEX ix_webhook_endpoints_operational ON webhook_endpoints(environment_id, created_at) WHERE recipient_id IS NULL;
CREATE INDEX ix_webhook_endpoints_environment ON webhook_endpoints(environment_id, id);
