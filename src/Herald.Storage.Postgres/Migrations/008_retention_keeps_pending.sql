-- Issue 15: retention never loses pending work. A month of notifications (with its deliveries, trace and attempts) is
-- no longer dropped whole: the rows of notifications still pending, or changed within the retention, are put back into
-- the parents first, where they land in the default partitions (their month has no partition any more), and only then
-- is the month dropped. What sits in a default partition leaves row by row once terminal (PostgresStore.Retention.cs).
-- Feed months follow their own retention and are dropped whole.

DROP FUNCTION herald_drop_partitions(timestamptz);

-- Creates the months around now, except a month whose rows already sit in the default partition (carried over from an
-- expired month, or written before the month was created): the partition could not be created over them, and the
-- default partition serves that month as well.
CREATE OR REPLACE FUNCTION herald_ensure_partitions(months_back integer, months_ahead integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t record;
  m integer;
  month_start timestamptz;
  name text;
  lo text;
  hi text;
  taken boolean;
BEGIN
  FOR t IN SELECT * FROM (VALUES ('notifications', 'ntf', 'id'), ('deliveries', 'ntf', 'notification_id'), ('trace', 'ntf', 'notification_id'),
      ('feed', 'ntf', 'notification_id'), ('attempts', 'dlv', 'delivery_id')) AS x(tbl, prefix, key) LOOP
    IF to_regclass(t.tbl || '_default') IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', t.tbl || '_default', t.tbl);
    END IF;
    FOR m IN -months_back..months_ahead LOOP
      month_start := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + make_interval(months => m);
      name := t.tbl || '_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYYMM');
      IF to_regclass(name) IS NULL THEN
        lo := herald_id_bound(t.prefix, month_start);
        hi := herald_id_bound(t.prefix, month_start + interval '1 month');
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= %L AND %I < %L)', t.tbl || '_default', t.key, lo, t.key, hi) INTO taken;
        IF NOT taken THEN
          EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, t.tbl, lo, hi);
        END IF;
      END IF;
    END LOOP;
  END LOOP;
END $$;

-- A table's columns in order, for copying rows between a detached partition and its parent by name.
CREATE FUNCTION herald_columns(tbl regclass) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = tbl AND attnum > 0 AND NOT attisdropped
$$;

-- Moves the rows of one detached partition that match a condition back into its parent (into the default partition,
-- as the month is gone), then drops the partition. Returns the rows moved.
CREATE FUNCTION herald_carry_over(parent text, part text, keep text, keep_values text[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  cols text := herald_columns(parent::regclass);
  moved bigint;
BEGIN
  EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, part);
  EXECUTE format('INSERT INTO %I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %I WHERE %s', parent, cols, cols, part, keep) USING keep_values;
  GET DIAGNOSTICS moved = ROW_COUNT;
  EXECUTE format('DROP TABLE %I', part);
  RETURN moved;
END $$;

-- Expires one month (YYYYMM) of notifications, deliveries, trace and attempts at a cutoff (Unix ms). Kept: every
-- notification that is not terminal, has a delivery that is not terminal, or changed at or after the cutoff; with its
-- deliveries and trace, and the attempts of the month's deliveries that are kept. The rest leaves with the partitions.
-- What stays is found first without locking the parents (a scan of an old month nobody writes to any more); the
-- detach then locks the four parents for a moment, in which replayed dead deliveries are looked for again (an index
-- scan), the kept rows copied and the partitions dropped.
CREATE FUNCTION herald_expire_month(month text, cutoff bigint, terminal_notifications text[], terminal_deliveries text[],
  OUT removed_notifications bigint, OUT removed_deliveries bigint, OUT carried bigint, OUT dropped integer) LANGUAGE plpgsql AS $$
DECLARE
  n_part text := 'notifications_' || month;
  d_part text := 'deliveries_' || month;
  t_part text := 'trace_' || month;
  a_part text := 'attempts_' || month;
  month_start timestamptz := to_date(month, 'YYYYMM')::timestamp AT TIME ZONE 'UTC';
  keep text[] := '{}';
  more text[];
BEGIN
  removed_notifications := 0;
  removed_deliveries := 0;
  carried := 0;
  dropped := 0;
  IF to_regclass(n_part) IS NOT NULL THEN
    EXECUTE format('SELECT count(*), coalesce(array_agg(id) FILTER (WHERE status <> ALL($1) OR updated_at >= $2), ''{}'') FROM %I', n_part)
      INTO removed_notifications, keep USING terminal_notifications, cutoff;
  END IF;
  IF to_regclass(d_part) IS NOT NULL THEN
    EXECUTE format('SELECT count(*), coalesce(array_agg(DISTINCT notification_id) FILTER (WHERE status <> ALL($1) OR updated_at >= $2), ''{}'') FROM %I', d_part)
      INTO removed_deliveries, more USING terminal_deliveries, cutoff;
    keep := keep || more;
  END IF;

  SET LOCAL lock_timeout = '10s';
  LOCK TABLE notifications, deliveries, trace, attempts IN ACCESS EXCLUSIVE MODE;
  IF to_regclass(d_part) IS NOT NULL THEN
    EXECUTE format('SELECT coalesce(array_agg(DISTINCT notification_id), ''{}'') FROM %I WHERE status IN (''queued'', ''deferred'', ''retrying'')', d_part) INTO more;
    keep := keep || more;
  END IF;

  IF to_regclass(n_part) IS NOT NULL THEN
    carried := herald_carry_over('notifications', n_part, 'id = ANY($1)', keep);
    removed_notifications := removed_notifications - carried;
    dropped := dropped + 1;
  END IF;
  IF to_regclass(d_part) IS NOT NULL THEN
    removed_deliveries := removed_deliveries - herald_carry_over('deliveries', d_part, 'notification_id = ANY($1)', keep);
    dropped := dropped + 1;
  END IF;
  IF to_regclass(t_part) IS NOT NULL THEN
    PERFORM herald_carry_over('trace', t_part, 'notification_id = ANY($1)', keep);
    dropped := dropped + 1;
  END IF;
  IF to_regclass(a_part) IS NOT NULL THEN
    -- Attempts are partitioned by delivery id: the month's kept deliveries are in the default partition by now.
    PERFORM herald_carry_over('attempts', a_part, 'delivery_id = ANY($1)', ARRAY(SELECT id FROM deliveries_default
      WHERE id >= herald_id_bound('dlv', month_start) AND id < herald_id_bound('dlv', month_start + interval '1 month')));
    dropped := dropped + 1;
  END IF;
END $$;

-- Expires one month (YYYYMM) of the feed at its own cutoff (Unix ms): the items made at or after the cutoff (an
-- in-app delivery of a notification carried over from an old month) are kept with the rest of their notification's
-- items; the month goes. Returns the items removed.
CREATE FUNCTION herald_expire_feed_month(month text, cutoff bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  part text := 'feed_' || month;
  total bigint;
  keep text[];
BEGIN
  IF to_regclass(part) IS NULL THEN
    RETURN 0;
  END IF;
  EXECUTE format('SELECT count(*), coalesce(array_agg(DISTINCT notification_id) FILTER (WHERE created_at >= $1), ''{}'') FROM %I', part)
    INTO total, keep USING cutoff;
  SET LOCAL lock_timeout = '10s';
  RETURN total - herald_carry_over('feed', part, 'notification_id = ANY($1)', keep);
END $$;
