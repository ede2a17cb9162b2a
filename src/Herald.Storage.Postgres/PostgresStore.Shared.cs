using Herald.Core.Domain;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>Row mapping and multi-row writes shared by the notification, dispatch and tracking ports.</summary>
public sealed partial class PostgresStore
{


    private const string InsertTraceSql = """
        INSERT INTO trace(notification_id, at, stage, channel, decision, reason)
        SELECT n, at, s, ch, d, r FROM unnest(@n::text[], @at::bigint[], @s::text[], @ch::text[], @d::text[], @r::text[]) WITH ORDINALITY AS x(n, at, s, ch, d, r, o)
        ORDER BY o
        """;

    /// <summary>Inserts trace entries in one statement, keeping their order (trace ids follow the list).</summary>
    private static async Task InsertTraceAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<TraceEntry> entries, CancellationToken ct)
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
    private static async Task<int> InsertDeliveriesAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<Delivery> deliveries, bool orIgnore, CancellationToken ct)
    {
        if (deliveries.Count == 0)
        {
            return 0;
        }

        SignalDue(tx, deliveries);
        return await c.Command($"""
            INSERT INTO deliveries(id, notification_id, recipient_id, event_type, channel, priority, target, target_ref, provider, status,
                attempts, last_error, content, content_hash, due_at, created_at, updated_at, platform, trace_parent, expires_at, condition, dedup_ms)
            SELECT id, n, r, e, ch, p, t, tr, prov, s, 0, err, content, hash, due, ca, ca, plat, tp, exp, cond, dd
            FROM unnest(@id::text[], @n::text[], @r::text[], @e::text[], @ch::integer[], @p::integer[], @t::text[], @tr::text[], @prov::text[],
                @s::text[], @err::text[], @content::text[], @hash::text[], @due::bigint[], @ca::bigint[], @plat::text[], @tp::text[], @exp::bigint[], @cond::text[],
                @dd::bigint[]) WITH ORDINALITY
                AS x(id, n, r, e, ch, p, t, tr, prov, s, err, content, hash, due, ca, plat, tp, exp, cond, dd, o)
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
    private static async Task RefreshNotificationsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IEnumerable<string> notificationIds, DateTimeOffset now, CancellationToken ct)
    {
        var ids = notificationIds.Distinct(StringComparer.Ordinal).ToArray();
        if (ids.Length == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(c, tx);
        batch.BatchCommands.Add(BatchCommand("SELECT 1 FROM notifications WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", ("ids", ids)));
        batch.BatchCommands.Add(BatchCommand($"""
            UPDATE notifications n SET updated_at = @now, status = CASE
                WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = n.id AND d.status IN {DeliveryStatus.Sql.Pending}) THEN 'processing'
                ELSE 'completed' END
            WHERE n.id = ANY(@ids) AND n.status IN {NotificationStatus.Sql.Planned}
            """, ("ids", ids), ("now", now.Ms())));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A statement of an <see cref="NpgsqlBatch"/>: the statements go in one round trip, each with its own READ COMMITTED snapshot.</summary>
    private static NpgsqlBatchCommand BatchCommand(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Adds the insert of <paramref name="entries"/> (in order) to <paramref name="batch"/>.</summary>
    private static void AddTrace(NpgsqlBatch batch, IReadOnlyList<TraceEntry> entries) =>
        batch.BatchCommands.Add(BatchCommand(InsertTraceSql, ("n", entries.Select(t => t.NotificationId).ToArray()), ("at", entries.Select(t => t.At.Ms()).ToArray()),
            ("s", entries.Select(t => t.Stage).ToArray()), ("ch", entries.Select(t => t.Channel).ToArray()),
            ("d", entries.Select(t => t.Decision).ToArray()), ("r", entries.Select(t => t.Reason).ToArray())));
}
