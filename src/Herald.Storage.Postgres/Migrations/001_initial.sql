-- Herald on PostgreSQL: the same tables as the embedded SQLite schema (times are Unix milliseconds, ids are prefixed
-- UUIDv7 text, so lexicographic order is time order under COLLATE "C").
-- The large tables are partitioned by month on a time-ordered id: notifications by id, deliveries/feed/trace by
-- notification_id, attempts by delivery_id. A UUIDv7's first 12 hex digits are its Unix millisecond timestamp, so
-- '<prefix>_' || lpad(to_hex(ms), 12, '0') is the first id of that millisecond. Retention drops whole partitions.

CREATE TABLE settings(key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE api_keys(id text PRIMARY KEY, key_hash text NOT NULL UNIQUE, scopes text NOT NULL, created_at bigint NOT NULL);
CREATE TABLE users(user_id text PRIMARY KEY, email text, phone text, locale text, timezone text, preferences text, updated_at bigint NOT NULL);
CREATE TABLE devices(id text PRIMARY KEY, user_id text NOT NULL, token text NOT NULL, platform text NOT NULL, app_version text, created_at bigint NOT NULL,
  UNIQUE(user_id, token));
CREATE TABLE templates(template_id text NOT NULL, version integer NOT NULL, published boolean NOT NULL, description text, definition text NOT NULL,
  created_at bigint NOT NULL, published_at bigint, PRIMARY KEY(template_id, version));
CREATE TABLE idempotency(key text PRIMARY KEY, request_hash text NOT NULL, status_code integer NOT NULL, response text NOT NULL, created_at bigint NOT NULL);
CREATE INDEX ix_idempotency_created ON idempotency(created_at);

CREATE TABLE notifications(
  id text COLLATE "C" NOT NULL, event_type text NOT NULL, recipient_id text NOT NULL, priority integer NOT NULL, status text NOT NULL,
  template_id text NOT NULL, template_version integer, channels text, data text NOT NULL, idempotency_key text, batch_id text,
  due_at bigint NOT NULL, lease_until bigint, created_at bigint NOT NULL, updated_at bigint NOT NULL,
  PRIMARY KEY(id)) PARTITION BY RANGE (id);
CREATE INDEX ix_notifications_due ON notifications(priority, due_at) WHERE status IN ('accepted', 'scheduled');
CREATE INDEX ix_notifications_planning ON notifications(lease_until) WHERE status = 'planning';
CREATE INDEX ix_notifications_recipient ON notifications(recipient_id, id);
CREATE INDEX ix_notifications_status ON notifications(status, id);

CREATE TABLE deliveries(
  id text COLLATE "C" NOT NULL, notification_id text COLLATE "C" NOT NULL, recipient_id text NOT NULL, event_type text NOT NULL, channel integer NOT NULL,
  priority integer NOT NULL, target text NOT NULL, target_ref text, provider text, status text NOT NULL, attempts integer NOT NULL,
  last_error text, content text NOT NULL, content_hash text NOT NULL, due_at bigint NOT NULL, lease_until bigint, lease_owner text,
  claimed_at bigint, sent_at bigint, delivered_at bigint, created_at bigint NOT NULL, updated_at bigint NOT NULL,
  platform text, provider_message_id text, tracked_status text,
  -- Distributed mode: the due_at value last handed to the work transport (NULL: not published for its current due time).
  published_due bigint, published_at bigint,
  PRIMARY KEY(notification_id, id),
  UNIQUE(notification_id, channel, target)) PARTITION BY RANGE (notification_id);
CREATE INDEX ix_deliveries_id ON deliveries(id);
CREATE INDEX ix_deliveries_lane ON deliveries(channel, priority, due_at) WHERE status IN ('queued', 'deferred', 'retrying');
CREATE INDEX ix_deliveries_lease ON deliveries(lease_until) WHERE status IN ('sending', 'unknown');
CREATE INDEX ix_deliveries_recent ON deliveries(recipient_id, channel, claimed_at);
CREATE INDEX ix_deliveries_dead ON deliveries(id) WHERE status = 'dead';
CREATE INDEX ix_deliveries_provider_message ON deliveries(provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX ix_deliveries_unpublished ON deliveries(due_at) WHERE status IN ('queued', 'deferred', 'retrying') AND published_due IS DISTINCT FROM due_at;

CREATE TABLE attempts(
  id bigint GENERATED ALWAYS AS IDENTITY, delivery_id text COLLATE "C" NOT NULL, provider text, outcome text NOT NULL, detail text,
  provider_message_id text, started_at bigint NOT NULL, finished_at bigint NOT NULL,
  PRIMARY KEY(delivery_id, id)) PARTITION BY RANGE (delivery_id);

CREATE TABLE trace(
  id bigint GENERATED ALWAYS AS IDENTITY, notification_id text COLLATE "C" NOT NULL, at bigint NOT NULL, stage text NOT NULL, channel text,
  decision text NOT NULL, reason text NOT NULL,
  PRIMARY KEY(notification_id, id)) PARTITION BY RANGE (notification_id);

CREATE TABLE feed(
  seq bigint GENERATED ALWAYS AS IDENTITY, user_id text NOT NULL, notification_id text COLLATE "C" NOT NULL, delivery_id text NOT NULL,
  event_type text NOT NULL, title text, body text, action_url text, icon text, created_at bigint NOT NULL, read_at bigint, archived_at bigint,
  PRIMARY KEY(notification_id, seq),
  UNIQUE(notification_id, delivery_id)) PARTITION BY RANGE (notification_id);
-- The feed's read path: a user's items newest first, and the unread ones.
CREATE INDEX ix_feed_user ON feed(user_id, seq DESC);
CREATE INDEX ix_feed_unread ON feed(user_id, seq DESC) WHERE read_at IS NULL AND archived_at IS NULL;

CREATE TABLE webhook_endpoints(
  id text PRIMARY KEY, recipient_id text NOT NULL, url text NOT NULL, secret text NOT NULL, event_types text NOT NULL, description text,
  enabled boolean NOT NULL, disabled_reason text, failing_since bigint, created_at bigint NOT NULL);
CREATE INDEX ix_webhook_endpoints_recipient ON webhook_endpoints(recipient_id);

CREATE TABLE outbox(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, delivery_id text NOT NULL, channel integer NOT NULL, provider text NOT NULL,
  recipient_id text NOT NULL, target text NOT NULL, message text NOT NULL, created_at bigint NOT NULL);
CREATE INDEX ix_outbox_delivery ON outbox(delivery_id);
CREATE INDEX ix_outbox_recipient ON outbox(recipient_id, id);

CREATE TABLE suppressions(channel integer NOT NULL, address text NOT NULL, reason text NOT NULL, source text NOT NULL, created_at bigint NOT NULL,
  PRIMARY KEY(channel, address));

-- Provider token buckets shared by every process (a provider account's rate holds across the cluster).
CREATE TABLE provider_buckets(name text PRIMARY KEY, tokens double precision NOT NULL, updated_at bigint NOT NULL);

-- Monthly partitions. herald_ensure_partitions creates the months around now (and is run at start and daily);
-- herald_drop_partitions drops the months wholly older than a cutoff. A default partition catches anything else.
CREATE FUNCTION herald_id_bound(prefix text, at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT prefix || '_' || lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0')
$$;

CREATE FUNCTION herald_ensure_partitions(months_back integer, months_ahead integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t record;
  m integer;
  month_start timestamptz;
  name text;
BEGIN
  FOR t IN SELECT * FROM (VALUES ('notifications', 'ntf'), ('deliveries', 'ntf'), ('trace', 'ntf'), ('feed', 'ntf'), ('attempts', 'dlv')) AS x(tbl, prefix) LOOP
    FOR m IN -months_back..months_ahead LOOP
      month_start := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + make_interval(months => m);
      name := t.tbl || '_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYYMM');
      IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, t.tbl,
          herald_id_bound(t.prefix, month_start), herald_id_bound(t.prefix, month_start + interval '1 month'));
      END IF;
    END LOOP;
    IF to_regclass(t.tbl || '_default') IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', t.tbl || '_default', t.tbl);
    END IF;
  END LOOP;
END $$;

CREATE FUNCTION herald_drop_partitions(cutoff timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  p record;
  dropped integer := 0;
BEGIN
  FOR p IN
    SELECT c.relname, parent.relname AS parent
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class parent ON parent.oid = i.inhparent
    WHERE parent.relname IN ('notifications', 'deliveries', 'trace', 'feed', 'attempts') AND c.relname ~ '_[0-9]{6}$'
  LOOP
    IF (to_date(right(p.relname, 6), 'YYYYMM')::timestamp + interval '1 month') AT TIME ZONE 'UTC' <= cutoff THEN
      EXECUTE format('DROP TABLE %I', p.relname);
      dropped := dropped + 1;
    END IF;
  END LOOP;
  RETURN dropped;
END $$;

SELECT herald_ensure_partitions(1, 2);
