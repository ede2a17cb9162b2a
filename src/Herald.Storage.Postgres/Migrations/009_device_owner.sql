-- One owner per push token and platform (a token registered under another user moves to that user), and when each
-- token was last registered, so that tokens a phone no longer uses can be pruned.
ALTER TABLE devices ADD COLUMN last_seen_at bigint;
UPDATE devices SET last_seen_at = created_at;
ALTER TABLE devices ALTER COLUMN last_seen_at SET NOT NULL;
-- A token several users hold today belongs to whoever registered it last (the phone's current owner).
DELETE FROM devices d USING devices n
  WHERE n.token = d.token AND n.platform = d.platform
    AND (n.created_at > d.created_at OR (n.created_at = d.created_at AND n.id COLLATE "C" > d.id COLLATE "C"));
ALTER TABLE devices DROP CONSTRAINT devices_user_id_token_key;
ALTER TABLE devices ADD CONSTRAINT devices_token_platform_key UNIQUE (token, platform);
CREATE INDEX ix_devices_user ON devices(user_id);
CREATE INDEX ix_devices_last_seen ON devices(last_seen_at);
