CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys(id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users(user_id TEXT PRIMARY KEY, email TEXT, phone TEXT, locale TEXT, timezone TEXT, preferences TEXT, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS devices(id TEXT PRIMARY KEY, user_id TEXT NOT NULL, token TEXT NOT NULL, platform TEXT NOT NULL, app_version TEXT, created_at INTEGER NOT NULL, UNIQUE(user_id, token));
CREATE TABLE IF NOT EXISTS templates(template_id TEXT NOT NULL, version INTEGER NOT NULL, published INTEGER NOT NULL, description TEXT, definition TEXT NOT NULL, created_at INTEGER NOT NULL, published_at INTEGER, PRIMARY KEY(template_id, version));
CREATE TABLE IF NOT EXISTS idempotency(key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status_code INTEGER NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notifications(
  id TEXT PRIMARY KEY, event_type TEXT NOT NULL, recipient_id TEXT NOT NULL, priority INTEGER NOT NULL, status TEXT NOT NULL,
  template_id TEXT NOT NULL, template_version INTEGER, channels TEXT, data TEXT NOT NULL, idempotency_key TEXT, batch_id TEXT,
  due_at INTEGER NOT NULL, lease_until INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_notifications_due ON notifications(priority, due_at) WHERE status IN ('accepted', 'scheduled');
CREATE INDEX IF NOT EXISTS ix_notifications_planning ON notifications(lease_until) WHERE status = 'planning';
CREATE INDEX IF NOT EXISTS ix_notifications_recipient ON notifications(recipient_id, id);
CREATE INDEX IF NOT EXISTS ix_notifications_status ON notifications(status, id);
CREATE TABLE IF NOT EXISTS deliveries(
  id TEXT PRIMARY KEY, notification_id TEXT NOT NULL, recipient_id TEXT NOT NULL, event_type TEXT NOT NULL, channel INTEGER NOT NULL,
  priority INTEGER NOT NULL, target TEXT NOT NULL, target_ref TEXT, provider TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL,
  last_error TEXT, content TEXT NOT NULL, content_hash TEXT NOT NULL, due_at INTEGER NOT NULL, lease_until INTEGER, lease_owner TEXT,
  claimed_at INTEGER, sent_at INTEGER, delivered_at INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  platform TEXT, provider_message_id TEXT, tracked_status TEXT,
  UNIQUE(notification_id, channel, target));
CREATE INDEX IF NOT EXISTS ix_deliveries_lane ON deliveries(channel, priority, due_at) WHERE status IN ('queued', 'deferred', 'retrying');
CREATE INDEX IF NOT EXISTS ix_deliveries_lease ON deliveries(lease_until) WHERE status = 'sending';
CREATE INDEX IF NOT EXISTS ix_deliveries_recent ON deliveries(recipient_id, channel, claimed_at);
CREATE INDEX IF NOT EXISTS ix_deliveries_notification ON deliveries(notification_id);
CREATE INDEX IF NOT EXISTS ix_deliveries_dead ON deliveries(id) WHERE status = 'dead';
CREATE INDEX IF NOT EXISTS ix_deliveries_provider_message ON deliveries(provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS suppressions(channel INTEGER NOT NULL, address TEXT NOT NULL, reason TEXT NOT NULL, source TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY(channel, address));
CREATE TABLE IF NOT EXISTS attempts(
  id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, provider TEXT, outcome TEXT NOT NULL, detail TEXT, provider_message_id TEXT,
  started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_attempts_delivery ON attempts(delivery_id);
CREATE TABLE IF NOT EXISTS trace(id INTEGER PRIMARY KEY, notification_id TEXT NOT NULL, at INTEGER NOT NULL, stage TEXT NOT NULL, channel TEXT, decision TEXT NOT NULL, reason TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_trace_notification ON trace(notification_id, id);
CREATE TABLE IF NOT EXISTS feed(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, notification_id TEXT NOT NULL, delivery_id TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL, title TEXT, body TEXT, action_url TEXT, icon TEXT, created_at INTEGER NOT NULL, read_at INTEGER, archived_at INTEGER);
CREATE INDEX IF NOT EXISTS ix_feed_user ON feed(user_id, seq);
CREATE INDEX IF NOT EXISTS ix_feed_unread ON feed(user_id) WHERE read_at IS NULL AND archived_at IS NULL;
CREATE TABLE IF NOT EXISTS webhook_endpoints(
  id TEXT PRIMARY KEY, recipient_id TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL, event_types TEXT NOT NULL, description TEXT,
  enabled INTEGER NOT NULL, disabled_reason TEXT, failing_since INTEGER, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_webhook_endpoints_recipient ON webhook_endpoints(recipient_id);
CREATE TABLE IF NOT EXISTS outbox(
  id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, channel INTEGER NOT NULL, provider TEXT NOT NULL, recipient_id TEXT NOT NULL,
  target TEXT NOT NULL, message TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_outbox_delivery ON outbox(delivery_id);
CREATE INDEX IF NOT EXISTS ix_outbox_recipient ON outbox(recipient_id, id);
