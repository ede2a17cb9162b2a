-- Webhook deliveries held while their endpoint is disabled: enabling the endpoint (and the sweeper) finds them by
-- endpoint in due order; the partial index holds only those rows, so it stays small however large deliveries grow.
CREATE INDEX ix_deliveries_held ON deliveries(target_ref, due_at) WHERE status = 'held';
