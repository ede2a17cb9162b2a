-- API keys as a resource: a name, the secret's recognisable prefix, an optional expiry, revocation, last use (written at
-- most once a minute per key and process) and the previous secret of a rotation with the end of its overlap.
-- Keys of earlier releases get an empty name and prefix and never expire. An environment id is one more column later.
ALTER TABLE api_keys ADD COLUMN name text NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN prefix text NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN expires_at bigint;
ALTER TABLE api_keys ADD COLUMN revoked_at bigint;
ALTER TABLE api_keys ADD COLUMN last_used_at bigint;
ALTER TABLE api_keys ADD COLUMN previous_hash text;
ALTER TABLE api_keys ADD COLUMN previous_expires_at bigint;
CREATE UNIQUE INDEX api_keys_previous_hash ON api_keys(previous_hash) WHERE previous_hash IS NOT NULL;
