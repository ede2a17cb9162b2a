-- Deliveries sent but never confirmed by their provider are looked up once its window has passed: how many look-ups
-- were made, when the next one is due (NULL: one window after sent_at; while a node asks, the time it gives up its
-- hold), and when look-ups ended (answered, or given up on) so the row leaves the partial index below.
ALTER TABLE deliveries ADD COLUMN confirm_lookups integer NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN confirm_due bigint;
ALTER TABLE deliveries ADD COLUMN confirm_ended bigint;
-- Only sent rows with no reported status whose look-ups have not ended, by provider and send time: a claim reads one
-- provider's range up to its window's edge, however many deliveries were sent and confirmed.
CREATE INDEX ix_deliveries_unconfirmed ON deliveries(provider, sent_at) WHERE status = 'sent' AND tracked_status IS NULL AND confirm_ended IS NULL;
