-- Environments (issue 18): templates, digest rules and digests, campaigns, webhook endpoints and suppressions belong to
-- one environment; every row stored before environments belongs to the default one. Where the natural key is chosen by
-- the caller (a template id, a digest rule's event type, a suppressed address) the environment leads the primary key, so
-- the same key in two environments is two rows; SQLite cannot change a primary key in place, so those tables are rebuilt.
-- Digests, campaigns and endpoints have generated ids: a column, and indexes of per-environment reads that lead with it.
CREATE TABLE templates_env(environment_id TEXT NOT NULL DEFAULT 'env_default', template_id TEXT NOT NULL, version INTEGER NOT NULL, published INTEGER NOT NULL,
  description TEXT, definition TEXT NOT NULL, created_at INTEGER NOT NULL, published_at INTEGER, PRIMARY KEY(environment_id, template_id, version));
INSERT INTO templates_env(template_id, version, published, description, definition, created_at, published_at)
  SELECT template_id, version, published, description, definition, created_at, published_at FROM templates;
DROP TABLE templates;
ALTER TABLE templates_env RENAME TO templates;

CREATE TABLE suppressions_env(environment_id TEXT NOT NULL DEFAULT 'env_default', channel INTEGER NOT NULL, address TEXT NOT NULL, reason TEXT NOT NULL,
  source TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY(environment_id, channel, address));
INSERT INTO suppressions_env(channel, address, reason, source, created_at) SELECT channel, address, reason, source, created_at FROM suppressions;
DROP TABLE suppressions;
ALTER TABLE suppressions_env RENAME TO suppressions;

CREATE TABLE digest_rules_env(environment_id TEXT NOT NULL DEFAULT 'env_default', event_type TEXT NOT NULL, window_ms INTEGER NOT NULL, max_items INTEGER NOT NULL,
  group_by TEXT, template_id TEXT NOT NULL, fold_rate_limited INTEGER NOT NULL, batch INTEGER NOT NULL DEFAULT 1, updated_at INTEGER NOT NULL,
  PRIMARY KEY(environment_id, event_type));
INSERT INTO digest_rules_env(event_type, window_ms, max_items, group_by, template_id, fold_rate_limited, batch, updated_at)
  SELECT event_type, window_ms, max_items, group_by, template_id, fold_rate_limited, batch, updated_at FROM digest_rules;
DROP TABLE digest_rules;
ALTER TABLE digest_rules_env RENAME TO digest_rules;

ALTER TABLE digests ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_default';
DROP INDEX ux_digests_open;
CREATE UNIQUE INDEX ux_digests_open ON digests(environment_id, recipient_id, event_type, kind, group_key) WHERE status = 'open';

ALTER TABLE campaigns ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_default';

ALTER TABLE webhook_endpoints ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_default';
DROP INDEX ix_webhook_endpoints_recipient;
DROP INDEX ix_webhook_endpoints_operational;
CREATE INDEX ix_webhook_endpoints_recipient ON webhook_endpoints(environment_id, recipient_id);
CREATE INDEX ix_webhook_endpoints_operational ON webhook_endpoints(environment_id, created_at) WHERE recipient_id IS NULL;
CREATE INDEX ix_webhook_endpoints_environment ON webhook_endpoints(environment_id, id);
