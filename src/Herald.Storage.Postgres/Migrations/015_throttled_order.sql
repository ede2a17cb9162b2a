-- A delivery a provider throttled (deferred to its slot without using an attempt) until it next settles: later deliveries
-- of the recipient on that channel and priority wait behind it at the gate, so throttling never swaps a user's messages.
ALTER TABLE deliveries ADD COLUMN throttled boolean NOT NULL DEFAULT false;
-- Only rows still held back (deferred, or claimed again and in flight): nearly empty, read per claim batch.
CREATE INDEX ix_deliveries_throttled ON deliveries(recipient_id, channel) WHERE throttled AND status IN ('deferred', 'sending');
