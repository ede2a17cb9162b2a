-- The dashboard's notification search by event type walks this index newest first (a rare type among millions of
-- notifications would otherwise scan the primary key).
CREATE INDEX ix_notifications_event_type ON notifications(event_type, id);
