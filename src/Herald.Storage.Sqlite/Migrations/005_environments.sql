-- Apps (tenants) and their environments (issue 18); the same shape as PostgreSQL's migration 020. Every resource belongs
-- to one environment; this makes the default app and environment, binds API keys to an environment, and scopes
-- notifications (with their deliveries, trace and attempts, reached through them) and idempotency keys. Everything stored
-- before belongs to the default environment. idempotency's primary key changes, which SQLite does by a rebuild.
CREATE TABLE apps(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
CREATE TABLE environments(id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id), name TEXT NOT NULL, created_at INTEGER NOT NULL,
  UNIQUE(app_id, name));
INSERT INTO apps(id, name, created_at) VALUES ('app_default', 'default', CAST(strftime('%s', 'now') AS INTEGER) * 1000);
INSERT INTO environments(id, app_id, name, created_at) VALUES ('env_default', 'app_default', 'default', CAST(strftime('%s', 'now') AS INTEGER) * 1000);
ALTER TABLE api_keys ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_default';
ALTER TABLE notifications ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_default';
DROP INDEX ix_notifications_recipient;
DROP INDEX ix_notifications_status;
DROP INDEX ix_notifications_event_type;
CREATE INDEX ix_notifications_environment ON notifications(environment_id, id);
CREATE INDEX ix_notifications_recipient ON notifications(environment_id, recipient_id, id);
CREATE INDEX ix_notifications_status ON notifications(environment_id, status, id);
CREATE INDEX ix_notifications_event_type ON notifications(environment_id, event_type, id);
CREATE TABLE idempotency_new(environment_id TEXT NOT NULL DEFAULT 'env_default', key TEXT NOT NULL, request_hash TEXT NOT NULL,
  status_code INTEGER NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY(environment_id, key));
INSERT INTO idempotency_new(environment_id, key, request_hash, status_code, response, created_at)
  SELECT 'env_default', key, request_hash, status_code, response, created_at FROM idempotency;
DROP TABLE idempotency;
ALTER TABLE idempotency_new RENAME TO idempotency;
