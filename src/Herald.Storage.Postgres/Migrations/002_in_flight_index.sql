-- The relay counts published-but-unclaimed deliveries every round; this partial index holds only those rows (at most
-- MaxInFlight), so the count stays cheap however large the waiting backlog is.
CREATE INDEX ix_deliveries_in_flight ON deliveries(due_at)
  WHERE status IN ('queued', 'deferred', 'retrying') AND published_due = due_at;
