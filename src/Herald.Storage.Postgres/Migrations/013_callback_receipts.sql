-- Provider callbacks applied, remembered for their replay window (issue 16): a replayed Twilio inbound START, SendGrid
-- event or Mailgun token finds its receipt and is ignored. Expired receipts are purged by the sweeper.
CREATE TABLE callback_receipts(provider text NOT NULL, key text NOT NULL, expires_at bigint NOT NULL, PRIMARY KEY(provider, key));
CREATE INDEX ix_callback_receipts_expires ON callback_receipts(expires_at);
