-- Apps (tenants) and their environments (issue 18). Every resource belongs to one environment; this migration makes the
-- default app and environment, binds API keys to an environment, and scopes notifications (with their deliveries, trace
-- and attempts, reached through them) and idempotency keys. Everything stored before belongs to the default environment.
-- The notification indexes the API lists by lead with the environment, so one environment's page is one index range.
CREATE TABLE apps(id text PRIMARY KEY, name text NOT NULL UNIQUE, created_at bigint NOT NULL);
CREATE TABLE environments(id text PRIMARY KEY, app_id text NOT NULL REFERENCES apps(id), name text NOT NULL, created_at bigint NOT NULL,
  UNIQUE(app_id, name));
INSERT INTO apps(id, name, created_at) VALUES ('app_default', 'default', (extract(epoch FROM now()) * 1000)::bigint);
INSERT INTO environments(id, app_id, name, created_at) VALUES ('env_default', 'app_default', 'default', (extract(epoch FROM now()) * 1000)::bigint);
ALTER TABLE api_keys ADD COLUMN environment_id text NOT NULL DEFAULT 'env_default';
ALTER TABLE notifications ADD COLUMN environment_id text NOT NULL DEFAULT 'env_default';
DROP INDEX ix_notifications_recipient;
DROP INDEX ix_notifications_status;
DROP INDEX ix_notifications_event_type;
CREATE INDEX ix_notifications_environment ON notifications(environment_id, id);
CREATE INDEX ix_notifications_recipient ON notifications(environment_id, recipient_id, id);
CREATE INDEX ix_notifications_status ON notifications(environment_id, status, id);
CREATE INDEX ix_notifications_event_type ON notifications(environment_id, event_type, id);
ALTER TABLE idempotency ADD COLUMN environment_id text NOT NULL DEFAULT 'env_default';
ALTER TABLE idempotency DROP CONSTRAINT idempotency_pkey;
ALTER TABLE idempotency ADD PRIMARY KEY (environment_id, key);
