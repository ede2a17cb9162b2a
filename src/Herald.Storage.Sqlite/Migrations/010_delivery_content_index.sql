-- Content dedup's probe (the gate, issue 19): the latest earlier send of the same content is found by its hash (which
-- covers the recipient, event type and channel), not by walking every send of a busy recipient over the window through
-- ix_deliveries_recent. The same as PostgreSQL's migration 025. The hash never changes after insert, so claims and
-- completions do not touch this index.
CREATE INDEX ix_deliveries_content ON deliveries(content_hash);
