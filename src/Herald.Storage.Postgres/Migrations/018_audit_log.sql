-- The audit log of operator actions (issue 18). Not partitioned: operator actions are few (a busy deployment makes
-- thousands a month, not millions), so retention deletes old rows in batches along the primary key (ids are UUIDv7,
-- time-ordered) and a monthly partition would only add maintenance.
CREATE TABLE audit_log(id text PRIMARY KEY, at bigint NOT NULL, actor text NOT NULL, action text NOT NULL, target text NOT NULL,
  details text, trace_id text);
CREATE INDEX ix_audit_log_action ON audit_log(action, id);
CREATE INDEX ix_audit_log_actor ON audit_log(actor, id);
CREATE INDEX ix_audit_log_target ON audit_log(target, id);
