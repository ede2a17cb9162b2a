-- The audit log of operator actions (issue 18); the same shape as PostgreSQL's migration 018. Retention deletes old
-- rows in batches along the primary key (ids are UUIDv7, time-ordered). IF NOT EXISTS as in 001: a file whose
-- schema_migrations was lost runs every migration again.
CREATE TABLE IF NOT EXISTS audit_log(id TEXT PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
  details TEXT, trace_id TEXT);
CREATE INDEX IF NOT EXISTS ix_audit_log_action ON audit_log(action, id);
CREATE INDEX IF NOT EXISTS ix_audit_log_actor ON audit_log(actor, id);
CREATE INDEX IF NOT EXISTS ix_audit_log_target ON audit_log(target, id);
