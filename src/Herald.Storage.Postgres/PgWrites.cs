using System.Globalization;
using Herald.Core.Domain;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// The writes several store families share, each inside the caller's transaction: trace, new deliveries, new notifications,
/// the notification status refresh, and the cluster signals those writes send on commit.
/// </summary>
/// <remarks>
/// A signal goes once the write's transaction commits (never for one rolled back); see <see cref="PostgresSignalSender"/>
/// for why after the commit rather than pg_notify inside it.
/// </remarks>
internal static class PgWrites
{
    private const string InsertTraceSql = """
        INSERT INTO trace(notification_id, at, stage, channel, decision, reason)
        SELECT n, at, s, ch, d, r FROM unnest(@n::text[], @at::bigint[], @s::text[], @ch::text[], @d::text[], @r::text[]) WITH ORDINALITY AS x(n, at, s, ch, d, r, o)
        ORDER BY o
        """;

    /// <summary>Inserts trace entries in one statement, keeping their order (trace ids follow the list).</summary>
    internal static async Task InsertTraceAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<TraceEntry> entries, CancellationToken ct)
    {
        if (entries.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(c, tx);
        AddTrace(batch, entries);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Inserts new deliveries (attempts 0) in one statement. With <paramref name="orIgnore"/> a delivery that already exists
    /// (same id, or same notification, channel and target) is skipped, like SQLite's INSERT OR IGNORE. Returns how many were inserted.
    /// </summary>
    internal static async Task<int> InsertDeliveriesAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<Delivery> deliveries, bool orIgnore, CancellationToken ct)
    {
        if (deliveries.Count == 0)
        {
            return 0;
        }

        SignalDue(tx, deliveries);
        return await c.Command($"""
            INSERT INTO deliveries(id, notification_id, recipient_id, event_type, channel, priority, target, target_ref, provider, status,
                attempts, last_error, content, content_hash, due_at, created_at, updated_at, platform, trace_parent, expires_at, condition, dedup_ms, environment_id)
            SELECT id, n, r, e, ch, p, t, tr, prov, s, 0, err, content, hash, due, ca, ca, plat, tp, exp, cond, dd, env
            FROM unnest(@id::text[], @n::text[], @r::text[], @e::text[], @ch::integer[], @p::integer[], @t::text[], @tr::text[], @prov::text[],
                @s::text[], @err::text[], @content::text[], @hash::text[], @due::bigint[], @ca::bigint[], @plat::text[], @tp::text[], @exp::bigint[], @cond::text[],
                @dd::bigint[], @env::text[]) WITH ORDINALITY
                AS x(id, n, r, e, ch, p, t, tr, prov, s, err, content, hash, due, ca, plat, tp, exp, cond, dd, env, o)
            {(orIgnore ? "WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = x.id)" : "")}
            ORDER BY o
            {(orIgnore ? "ON CONFLICT DO NOTHING" : "")}
            """, tx)
            .With("id", deliveries.Select(d => d.Id).ToArray()).With("n", deliveries.Select(d => d.NotificationId).ToArray())
            .With("r", deliveries.Select(d => d.RecipientId).ToArray()).With("e", deliveries.Select(d => d.EventType).ToArray())
            .With("ch", deliveries.Select(d => (int)d.Channel).ToArray()).With("p", deliveries.Select(d => (int)d.Priority).ToArray())
            .With("t", deliveries.Select(d => d.Target).ToArray()).With("tr", deliveries.Select(d => d.TargetRef).ToArray())
            .With("prov", deliveries.Select(d => d.Provider).ToArray()).With("s", deliveries.Select(d => d.Status).ToArray())
            .With("err", deliveries.Select(d => d.LastError).ToArray()).With("content", deliveries.Select(d => d.Content).ToArray())
            .With("hash", deliveries.Select(d => d.ContentHash).ToArray()).With("due", deliveries.Select(d => d.DueAt.Ms()).ToArray())
            .With("ca", deliveries.Select(d => d.CreatedAt.Ms()).ToArray()).With("plat", deliveries.Select(d => d.Platform).ToArray())
            .With("tp", deliveries.Select(d => d.TraceParent).ToArray())
            .With("exp", deliveries.Select(d => d.ExpiresAt.Ms()).ToArray()).With("cond", deliveries.Select(d => d.Condition).ToArray())
            .With("dd", deliveries.Select(d => d.DedupWindow is { } dedup ? (long?)dedup.TotalMilliseconds : null).ToArray())
            .With("env", deliveries.Select(d => d.EnvironmentId).ToArray())
            .ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A planned notification reads processing while any delivery is still pending, completed otherwise. Other statuses
    /// (accepted, planning, cancelled) are left alone. Callers change the deliveries first, then refresh.
    /// </summary>
    /// <remarks>
    /// One UPDATE with the deliveries in a subquery is not enough under READ COMMITTED: when two transactions complete the
    /// two channels of one notification at once, each subquery reads the other's delivery as it was before, and the one that
    /// waited for the row lock re-checks only the row, so both write processing and the notification never completes. Here
    /// the rows are locked first (one statement, in id order, so overlapping refreshes cannot deadlock) and recomputed by
    /// the next statement, whose fresh snapshot sees every transaction that held the lock before. Both statements travel in
    /// one batch: one round trip, as before.
    /// </remarks>
    internal static async Task RefreshNotificationsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IEnumerable<string> notificationIds, DateTimeOffset now, CancellationToken ct)
    {
        var ids = notificationIds.Distinct(StringComparer.Ordinal).ToArray();
        if (ids.Length == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(c, tx);
        batch.BatchCommands.Add(BatchCommand("SELECT 1 FROM notifications WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", ("ids", ids)));
        // Generic plans (pruned at execution) rather than a new plan per call: with a few ids per call (a provider lane's
        // batch) PostgreSQL's default kept planning the UPDATE anew, every partition of both tables, and that was more than
        // half of its time (pg_stat_statements, 2026-12-07).
        batch.BatchCommands.Add(BatchCommand($"""
            UPDATE notifications n SET updated_at = @now, status = CASE
                WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = n.id AND d.status IN {DeliveryStatus.Sql.Pending}) THEN 'processing'
                ELSE 'completed' END
            WHERE n.id = ANY(@ids) AND n.status IN {NotificationStatus.Sql.Planned}
            """, ("ids", ids), ("now", now.Ms())));
        RunOnGenericPlans(batch);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Adds <paramref name="command"/> to run on its generic plan: <see cref="RunOnGenericPlans"/> for that one statement.
    /// </summary>
    internal static void AddOnGenericPlan(NpgsqlBatch batch, NpgsqlBatchCommand command)
    {
        var from = batch.BatchCommands.Count;
        batch.BatchCommands.Add(command);
        RunOnGenericPlans(batch, from);
    }

    /// <summary>
    /// Batches of at most this many rows run some statements on generic plans (the gate reads, a plan's write): planned
    /// anew, those cost more than they run for a few rows; a larger batch keeps PostgreSQL's choice, whose custom plan
    /// prunes the monthly partitions by the batch's key list (a generic plan cannot, see keyed statements below).
    /// </summary>
    internal const int GenericPlanBatch = 8;

    /// <summary>Generic plans for the rest of the transaction (or until <c>RESET plan_cache_mode</c>).</summary>
    internal const string GenericPlansForTransaction = "SET LOCAL plan_cache_mode = force_generic_plan";

    /// <summary>
    /// Runs the statements of <paramref name="batch"/> from index <paramref name="from"/> on their generic plans
    /// (<c>SET LOCAL plan_cache_mode = force_generic_plan</c> before them), then <c>RESET plan_cache_mode</c>, so what
    /// follows in the transaction runs on the connection's own setting (an operator's <c>Options=-c plan_cache_mode=…</c>
    /// included). For the hot statements on the partitioned tables: a prepared statement there otherwise keeps custom
    /// plans (the generic one looks dearer before execution-time pruning) and is planned again on every call
    /// (pg_stat_statements, 2026-12-07). Neither SET nor RESET returns a result, so a reader's result sets are unchanged.
    /// Only for statements whose plan cannot be steered onto a status's partial index by statistics taken before that
    /// status filled a table (a generic plan is costed once, on the statistics of its moment; PostgresStatistics keeps them
    /// fresh as tables grow): reads by key, by the partial index they are written for, or by full indexes (the claim's
    /// gate reads of a small batch). See docs/architecture.md, Statements are prepared.
    /// </summary>
    internal static void RunOnGenericPlans(NpgsqlBatch batch, int from = 0)
    {
        batch.BatchCommands.Insert(from, new NpgsqlBatchCommand(GenericPlansForTransaction));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("RESET plan_cache_mode"));
    }

    /// <summary>A statement of an <see cref="NpgsqlBatch"/>: the statements go in one round trip, each with its own READ COMMITTED snapshot.</summary>
    internal static NpgsqlBatchCommand BatchCommand(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Adds the insert of <paramref name="entries"/> (in order) to <paramref name="batch"/>.</summary>
    internal static void AddTrace(NpgsqlBatch batch, IReadOnlyList<TraceEntry> entries) =>
        batch.BatchCommands.Add(BatchCommand(InsertTraceSql, ("n", entries.Select(t => t.NotificationId).ToArray()), ("at", entries.Select(t => t.At.Ms()).ToArray()),
            ("s", entries.Select(t => t.Stage).ToArray()), ("ch", entries.Select(t => t.Channel).ToArray()),
            ("d", entries.Select(t => t.Decision).ToArray()), ("r", entries.Select(t => t.Reason).ToArray())));

    // Keyed statements and partitions: the statements that name rows by key pairs also repeat the key list as
    // `notification_id = ANY(@n)` (`id = ANY(@id)` for notifications). Notifications, deliveries, trace and feed are
    // partitioned by month on the time-ordered notification id; a custom plan prunes partitions by such a list but not
    // through a join, so a statement keyed only by the join planned and opened every month's partition and its dozen
    // indexes (a claim's update of 64 rows over five months: 0.9 ms of planning, 0.3 ms with the list), more with each
    // month retention keeps. A generic plan prunes by neither (PostgreSQL 15: every partition stays in its Append), so
    // statements always run generic (the relay's publish mark) leave the list out. A range (BETWEEN the smallest and
    // largest id) prunes too, but tempts the planner to read every row between the two by the key index, and a
    // campaign's batch spans thousands.

    private static readonly string[] ClaimableStatuses = [DeliveryStatus.Queued, DeliveryStatus.Deferred, DeliveryStatus.Retrying];

    /// <summary>Wakes relays (and, with in-process lanes, the lanes) of the lanes these new deliveries wait in.</summary>
    internal static void SignalDue(NpgsqlTransaction tx, IEnumerable<Delivery> deliveries) =>
        PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Due,
            deliveries.Where(d => ClaimableStatuses.Contains(d.Status, StringComparer.Ordinal)).Select(d => ClusterTopics.Lane(d.Channel, d.Priority)));

    /// <summary>The due signal for stored deliveries named by id (a replay, a retry): their lanes are read from the rows.</summary>
    internal static async Task NotifyDueByIdAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<(string NotificationId, string DeliveryId)> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return;
        }

        var lanes = await c.Command("""
            SELECT DISTINCT channel, priority
            FROM deliveries d JOIN unnest(@n::text[], @id::text[]) AS x(nid, did) ON d.notification_id = x.nid AND d.id = x.did
            """, tx).With("n", ids.Select(x => x.NotificationId).ToArray()).With("id", ids.Select(x => x.DeliveryId).ToArray())
            .ReadAllAsync(r => ClusterTopics.Lane((Channel)r.GetInt32(0), (Priority)r.GetInt32(1)), ct);
        PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Due, lanes);
    }

    /// <summary>Inserts new notifications in one statement, in order (accepted ones, lifecycle events, digests).</summary>
    internal static async Task InsertNotificationsAsync(NpgsqlConnection c, NpgsqlTransaction tx, List<Notification> notifications, DateTimeOffset now, CancellationToken ct)
    {
        if (notifications.Count == 0)
        {
            return;
        }

        // Planners on every node hear of accepted work on commit, not at their next poll.
        PostgresDatabase.SignalOnCommit(tx, ClusterTopics.Plan,
            notifications.Where(n => n.Status == NotificationStatus.Accepted).Select(n => ((int)n.Priority).ToString(CultureInfo.InvariantCulture)));
        await c.Command("""
            INSERT INTO notifications(id, event_type, recipient_id, priority, status, template_id, template_version, channels, data,
                idempotency_key, batch_id, due_at, created_at, updated_at, trace_parent, options, campaign_id, environment_id)
            SELECT id, et, r, p, s, tid, tv, ch, d, ik, b, due, @ca, @ca, tp, opt, cmp, env
            FROM unnest(@id::text[], @et::text[], @r::text[], @p::integer[], @s::text[], @tid::text[], @tv::integer[], @ch::text[], @d::text[],
                @ik::text[], @b::text[], @due::bigint[], @tp::text[], @opt::text[], @cmp::text[], @env::text[])
                WITH ORDINALITY AS x(id, et, r, p, s, tid, tv, ch, d, ik, b, due, tp, opt, cmp, env, o)
            ORDER BY o
            """, tx).With("ca", now.Ms())
            .With("id", notifications.Select(n => n.Id).ToArray()).With("et", notifications.Select(n => n.EventType).ToArray())
            .With("r", notifications.Select(n => n.RecipientId).ToArray()).With("p", notifications.Select(n => (int)n.Priority).ToArray())
            .With("s", notifications.Select(n => n.Status).ToArray()).With("tid", notifications.Select(n => n.TemplateId).ToArray())
            .With("tv", notifications.Select(n => n.TemplateVersion).ToArray())
            .With("ch", notifications.Select(n => ChannelListColumn.Format(n.Channels)).ToArray())
            .With("d", notifications.Select(n => n.Data).ToArray()).With("ik", notifications.Select(n => n.IdempotencyKey).ToArray())
            .With("b", notifications.Select(n => n.BatchId).ToArray()).With("due", notifications.Select(n => n.DueAt.Ms()).ToArray())
            .With("tp", notifications.Select(n => n.TraceParent).ToArray())
            .With("opt", notifications.Select(n => StoreJson.OptionsJson(n.Options)).ToArray()).With("cmp", notifications.Select(n => n.CampaignId).ToArray())
            .With("env", notifications.Select(n => n.EnvironmentId).ToArray())
            .ExecuteNonQueryAsync(ct);
    }
}
