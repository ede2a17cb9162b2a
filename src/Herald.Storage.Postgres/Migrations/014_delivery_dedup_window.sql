-- The content-dedup window the planner stamps on each delivery from the notification's template and priority, so the
-- gate needs no template read at claim time (null: planned before this column; the gate applies the defaults).
ALTER TABLE deliveries ADD COLUMN dedup_ms bigint;
