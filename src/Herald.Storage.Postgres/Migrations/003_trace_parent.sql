-- The W3C traceparent of the ingest span, kept with the notification and copied to its deliveries, so planning, the
-- relay's publish and the send continue the trace of the API request (NULL when nobody was tracing).
ALTER TABLE notifications ADD COLUMN trace_parent text;
ALTER TABLE deliveries ADD COLUMN trace_parent text;
