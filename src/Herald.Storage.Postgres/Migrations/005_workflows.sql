-- Issue 7 (workflows): expiry and escalation options on notifications, campaign membership, delivery conditions and expiry,
-- topics, campaigns (and topic fan-outs), digest rules and digests.
ALTER TABLE notifications ADD COLUMN options text;
ALTER TABLE notifications ADD COLUMN campaign_id text;
CREATE INDEX ix_notifications_campaign ON notifications(campaign_id, status) WHERE campaign_id IS NOT NULL;
ALTER TABLE deliveries ADD COLUMN expires_at bigint;
ALTER TABLE deliveries ADD COLUMN condition text;

CREATE TABLE topic_subscribers(topic text NOT NULL, user_id text NOT NULL, created_at bigint NOT NULL, PRIMARY KEY(topic, user_id));
CREATE INDEX ix_topic_subscribers_user ON topic_subscribers(user_id);

CREATE TABLE campaigns(
  id text PRIMARY KEY, kind text NOT NULL, name text, topic text, request text NOT NULL, scheduled_at bigint NOT NULL, local_time text,
  rate double precision, status text NOT NULL, cursor text, released bigint NOT NULL, exhausted boolean NOT NULL DEFAULT false, lease_owner text, lease_until bigint,
  created_at bigint NOT NULL, updated_at bigint NOT NULL);
CREATE INDEX ix_campaigns_active ON campaigns(scheduled_at) WHERE status IN ('scheduled', 'releasing');
CREATE TABLE campaign_recipients(campaign_id text NOT NULL, user_id text NOT NULL, PRIMARY KEY(campaign_id, user_id));
CREATE INDEX ix_campaign_recipients_user ON campaign_recipients(user_id);

CREATE TABLE digest_rules(
  event_type text PRIMARY KEY, window_ms bigint NOT NULL, max_items integer NOT NULL, group_by text, template_id text NOT NULL,
  fold_rate_limited boolean NOT NULL, batch boolean NOT NULL DEFAULT true, updated_at bigint NOT NULL);
CREATE TABLE digests(
  id text PRIMARY KEY, recipient_id text NOT NULL, event_type text NOT NULL, kind text NOT NULL, group_key text NOT NULL, status text NOT NULL,
  opened_at bigint NOT NULL, close_at bigint NOT NULL, item_count integer NOT NULL, max_items integer NOT NULL, template_id text NOT NULL, channels text,
  notification_id text, closed_at bigint);
-- At most one open digest per (recipient, event type, kind, key): appends upsert into it, the closer flips it to closed.
CREATE UNIQUE INDEX ux_digests_open ON digests(recipient_id, event_type, kind, group_key) WHERE status = 'open';
CREATE INDEX ix_digests_due ON digests(close_at) WHERE status = 'open';
CREATE INDEX ix_digests_recipient ON digests(recipient_id);
CREATE TABLE digest_items(
  digest_id text NOT NULL, notification_id text NOT NULL, delivery_id text NOT NULL DEFAULT '', data text NOT NULL, at bigint NOT NULL,
  PRIMARY KEY(digest_id, notification_id, delivery_id));
