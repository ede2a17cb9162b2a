-- Environments (issue 18): users, their devices, feed items and topic subscriptions belong to one environment. A user
-- id, a topic name and a push token are unique within their environment only, so the keys lead with it; the indexes
-- the per-user reads use lead with it too. Every row stored before environments is the default environment's.
-- Each step can run again (IF [NOT] EXISTS, keys dropped and made again), so a database whose record of this
-- migration was lost, or a table an older migration rebuilt, comes out the same.
ALTER TABLE users ADD COLUMN IF NOT EXISTS environment_id text NOT NULL DEFAULT 'env_default';
ALTER TABLE users DROP CONSTRAINT users_pkey;
ALTER TABLE users ADD PRIMARY KEY (environment_id, user_id);

-- A token has one owner per platform within an environment: another environment registering it is its own device.
ALTER TABLE devices ADD COLUMN IF NOT EXISTS environment_id text NOT NULL DEFAULT 'env_default';
ALTER TABLE devices DROP CONSTRAINT IF EXISTS devices_token_platform_key;
ALTER TABLE devices DROP CONSTRAINT IF EXISTS devices_environment_token_platform_key;
ALTER TABLE devices ADD CONSTRAINT devices_environment_token_platform_key UNIQUE (environment_id, token, platform);
DROP INDEX IF EXISTS ix_devices_user;
CREATE INDEX ix_devices_user ON devices(environment_id, user_id);

-- The feed stays partitioned by notification id; the column reaches every partition (a default needs no rewrite).
ALTER TABLE feed ADD COLUMN IF NOT EXISTS environment_id text NOT NULL DEFAULT 'env_default';
DROP INDEX IF EXISTS ix_feed_user;
CREATE INDEX ix_feed_user ON feed(environment_id, user_id, seq DESC);
DROP INDEX IF EXISTS ix_feed_unread;
CREATE INDEX ix_feed_unread ON feed(environment_id, user_id, seq DESC) WHERE read_at IS NULL AND archived_at IS NULL;

ALTER TABLE topic_subscribers ADD COLUMN IF NOT EXISTS environment_id text NOT NULL DEFAULT 'env_default';
ALTER TABLE topic_subscribers DROP CONSTRAINT topic_subscribers_pkey;
ALTER TABLE topic_subscribers ADD PRIMARY KEY (environment_id, topic, user_id);
DROP INDEX IF EXISTS ix_topic_subscribers_user;
CREATE INDEX ix_topic_subscribers_user ON topic_subscribers(environment_id, user_id);
