CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys(id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users(user_id TEXT PRIMARY KEY, email TEXT, phone TEXT, locale TEXT, timezone TEXT, preferences TEXT, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS devices(id TEXT PRIMARY KEY, user_id TEXT NOT NULL, token TEXT NOT NULL, platform TEXT NOT NULL, app_version TEXT, created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL, UNIQUE(token, platform));
CREATE INDEX IF NOT EXISTS ix_devices_user ON devices(user_id);
CREATE INDEX IF NOT EXISTS ix_devices_last_seen ON devices(last_seen_at);
CREATE TABLE IF NOT EXISTS templates(template_id TEXT NOT NULL, version INTEGER NOT NULL, published INTEGER NOT NULL, description TEXT, definition TEXT NOT NULL, created_at INTEGER NOT NULL, published_at INTEGER, PRIMARY KEY(template_id, version));
CREATE TABLE IF NOT EXISTS idempotency(key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status_code INTEGER NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notifications(
  id TEXT PRIMARY KEY, event_type TEXT NOT NULL, recipient_id TEXT NOT NULL, priority INTEGER NOT NULL, status TEXT NOT NULL,
  template_id TEXT NOT NULL, template_version INTEGER, channels TEXT, data TEXT NOT NULL, idempotency_key TEXT, batch_id TEXT,
  due_at INTEGER NOT NULL, lease_until INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, trace_parent TEXT, options TEXT, campaign_id TEXT);
CREATE INDEX IF NOT EXISTS ix_notifications_due ON notifications(priority, due_at) WHERE status IN ('accepted', 'scheduled');
CREATE INDEX IF NOT EXISTS ix_notifications_planning ON notifications(lease_until) WHERE status = 'planning';
CREATE INDEX IF NOT EXISTS ix_notifications_recipient ON notifications(recipient_id, id);
CREATE INDEX IF NOT EXISTS ix_notifications_status ON notifications(status, id);
CREATE INDEX IF NOT EXISTS ix_notifications_event_type ON notifications(event_type, id);
CREATE TABLE IF NOT EXISTS deliveries(
  id TEXT PRIMARY KEY, notification_id TEXT NOT NULL, recipient_id TEXT NOT NULL, event_type TEXT NOT NULL, channel INTEGER NOT NULL,
  priority INTEGER NOT NULL, target TEXT NOT NULL, target_ref TEXT, provider TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL,
  last_error TEXT, content TEXT NOT NULL, content_hash TEXT NOT NULL, due_at INTEGER NOT NULL, lease_until INTEGER, lease_owner TEXT,
  claimed_at INTEGER, sent_at INTEGER, delivered_at INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  platform TEXT, provider_message_id TEXT, tracked_status TEXT, trace_parent TEXT, expires_at INTEGER, condition TEXT, lookups INTEGER NOT NULL DEFAULT 0,
  dedup_ms INTEGER,
  confirm_lookups INTEGER NOT NULL DEFAULT 0, confirm_due INTEGER, confirm_ended INTEGER,
  throttled INTEGER NOT NULL DEFAULT 0,
  UNIQUE(notification_id, channel, target));
CREATE INDEX IF NOT EXISTS ix_deliveries_lane ON deliveries(channel, priority, due_at) WHERE status IN ('queued', 'deferred', 'retrying');
CREATE INDEX IF NOT EXISTS ix_deliveries_lease ON deliveries(lease_until) WHERE status = 'sending';
CREATE INDEX IF NOT EXISTS ix_deliveries_recent ON deliveries(recipient_id, channel, claimed_at);
-- Deliveries a provider throttled that have not gone out since: later ones of the recipient wait behind them (the gate).
CREATE INDEX IF NOT EXISTS ix_deliveries_throttled ON deliveries(recipient_id, channel) WHERE throttled = 1 AND status IN ('deferred', 'sending');
CREATE INDEX IF NOT EXISTS ix_deliveries_notification ON deliveries(notification_id);
CREATE INDEX IF NOT EXISTS ix_deliveries_dead ON deliveries(id) WHERE status = 'dead';
CREATE INDEX IF NOT EXISTS ix_deliveries_held ON deliveries(target_ref, due_at) WHERE status = 'held';
CREATE INDEX IF NOT EXISTS ix_deliveries_provider_message ON deliveries(provider_message_id) WHERE provider_message_id IS NOT NULL;
-- Sent email and SMS deliveries (the channels whose providers report later) their provider has not confirmed and that are
-- still to be looked up, by provider and send time.
CREATE INDEX IF NOT EXISTS ix_deliveries_unconfirmed ON deliveries(provider, sent_at) WHERE status = 'sent' AND tracked_status IS NULL AND confirm_ended IS NULL AND channel IN (1, 2);
CREATE TABLE IF NOT EXISTS suppressions(channel INTEGER NOT NULL, address TEXT NOT NULL, reason TEXT NOT NULL, source TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY(channel, address));
-- Provider callbacks applied, kept for their replay window so a replay is ignored (purged by the sweeper).
CREATE TABLE IF NOT EXISTS callback_receipts(provider TEXT NOT NULL, key TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY(provider, key));
CREATE INDEX IF NOT EXISTS ix_callback_receipts_expires ON callback_receipts(expires_at);
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
  id TEXT PRIMARY KEY, recipient_id TEXT, url TEXT NOT NULL, secret TEXT NOT NULL, event_types TEXT NOT NULL, description TEXT,
  enabled INTEGER NOT NULL, disabled_reason TEXT, failing_since INTEGER, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_webhook_endpoints_recipient ON webhook_endpoints(recipient_id);
CREATE INDEX IF NOT EXISTS ix_webhook_endpoints_operational ON webhook_endpoints(created_at) WHERE recipient_id IS NULL;
CREATE TABLE IF NOT EXISTS outbox(
  id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, channel INTEGER NOT NULL, provider TEXT NOT NULL, recipient_id TEXT NOT NULL,
  target TEXT NOT NULL, message TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_outbox_delivery ON outbox(delivery_id);
CREATE INDEX IF NOT EXISTS ix_outbox_recipient ON outbox(recipient_id, id);
CREATE INDEX IF NOT EXISTS ix_notifications_campaign ON notifications(campaign_id, status) WHERE campaign_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS topic_subscribers(topic TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY(topic, user_id));
CREATE INDEX IF NOT EXISTS ix_topic_subscribers_user ON topic_subscribers(user_id);
CREATE TABLE IF NOT EXISTS campaigns(
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, topic TEXT, request TEXT NOT NULL, scheduled_at INTEGER NOT NULL, local_time TEXT,
  rate REAL, status TEXT NOT NULL, cursor TEXT, released INTEGER NOT NULL, exhausted INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_until INTEGER,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_campaigns_active ON campaigns(scheduled_at) WHERE status IN ('scheduled', 'releasing');
CREATE TABLE IF NOT EXISTS campaign_recipients(campaign_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY(campaign_id, user_id));
CREATE INDEX IF NOT EXISTS ix_campaign_recipients_user ON campaign_recipients(user_id);
CREATE TABLE IF NOT EXISTS digest_rules(
  event_type TEXT PRIMARY KEY, window_ms INTEGER NOT NULL, max_items INTEGER NOT NULL, group_by TEXT, template_id TEXT NOT NULL,
  fold_rate_limited INTEGER NOT NULL, batch INTEGER NOT NULL DEFAULT 1, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS digests(
  id TEXT PRIMARY KEY, recipient_id TEXT NOT NULL, event_type TEXT NOT NULL, kind TEXT NOT NULL, group_key TEXT NOT NULL, status TEXT NOT NULL,
  opened_at INTEGER NOT NULL, close_at INTEGER NOT NULL, item_count INTEGER NOT NULL, max_items INTEGER NOT NULL, template_id TEXT NOT NULL, channels TEXT,
  notification_id TEXT, closed_at INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS ux_digests_open ON digests(recipient_id, event_type, kind, group_key) WHERE status = 'open';
CREATE INDEX IF NOT EXISTS ix_digests_due ON digests(close_at) WHERE status = 'open';
CREATE INDEX IF NOT EXISTS ix_digests_recipient ON digests(recipient_id);
CREATE TABLE IF NOT EXISTS digest_items(
  digest_id TEXT NOT NULL, notification_id TEXT NOT NULL, delivery_id TEXT NOT NULL DEFAULT '', data TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY(digest_id, notification_id, delivery_id));
