-- Only email and SMS providers report outcomes after accepting a message (callbacks, look-ups); push, in-app and webhook
-- outcomes are final when sent. The index of sent-but-unconfirmed deliveries held every sent row of every channel
-- forever (nothing ever confirms an in-app item), one more index entry per delivery for nothing: now only email and SMS.
DROP INDEX IF EXISTS ix_deliveries_unconfirmed;
CREATE INDEX ix_deliveries_unconfirmed ON deliveries(provider, sent_at)
  WHERE status = 'sent' AND tracked_status IS NULL AND confirm_ended IS NULL AND channel IN (1, 2);
