-- Per-key rate limits: requests and notifications per second. NULL (every key of earlier releases) means the
-- deployment's default (Herald:RateLimits), which is off unless configured.
ALTER TABLE api_keys ADD COLUMN requests_per_second INTEGER;
ALTER TABLE api_keys ADD COLUMN notifications_per_second INTEGER;
