-- Environments (issue 18); the same change as PostgreSQL's migration 021. Users, their devices, feed items and topic
-- subscriptions belong to one environment; a user id, a topic name and a push token are unique within their
-- environment only. SQLite cannot change a key in place, so users, devices and topic_subscribers are rebuilt (new
-- table, copy, drop, rename, indexes again); the feed only gains a column (its AUTOINCREMENT sequence stays). Every
-- row stored before environments is the default environment's.
CREATE TABLE users_env(user_id TEXT NOT NULL, email TEXT, phone TEXT, locale TEXT, timezone TEXT, preferences TEXT, updated_at INTEGER NOT NULL,
  environment_id TEXT NOT NULL DEFAULT 'env_default', PRIMARY KEY(environment_id, user_id));
INSERT INTO users_env(user_id, email, phone, locale, timezone, preferences, updated_at)
  SELECT user_id, email, phone, locale, timezone, preferences, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_env RENAME TO users;

CREATE TABLE devices_env(id TEXT PRIMARY KEY, user_id TEXT NOT NULL, token TEXT NOT NULL, platform TEXT NOT NULL, app_version TEXT, created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL, environment_id TEXT NOT NULL DEFAULT 'env_default', UNIQUE(environment_id, token, platform));
INSERT INTO devices_env(id, user_id, token, platform, app_version, created_at, last_seen_at)
  SELECT id, user_id, token, platform, app_version, created_at, last_seen_at FROM devices;
DROP TABLE devices;
ALTER TABLE devices_env RENAME TO devices;
CREATE INDEX ix_devices_user ON devices(environment_id, user_id);
CREATE INDEX ix_devices_last_seen ON devices(last_seen_at);

ALTER TABLE feed ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_default';
DROP INDEX ix_feed_user;
CREATE INDEX ix_feed_user ON feed(environment_id, user_id, seq);
DROP INDEX ix_feed_unread;
CREATE INDEX ix_feed_unread ON feed(environment_id, user_id) WHERE read_at IS NULL AND archived_at IS NULL;

CREATE TABLE topic_subscribers_env(topic TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
  environment_id TEXT NOT NULL DEFAULT 'env_default', PRIMARY KEY(environment_id, topic, user_id));
INSERT INTO topic_subscribers_env(topic, user_id, created_at) SELECT topic, user_id, created_at FROM topic_subscribers;
DROP TABLE topic_subscribers;
ALTER TABLE topic_subscribers_env RENAME TO topic_subscribers;
CREATE INDEX ix_topic_subscribers_user ON topic_subscribers(environment_id, user_id);
