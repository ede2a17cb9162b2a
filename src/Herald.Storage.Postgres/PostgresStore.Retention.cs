using System.Text.RegularExpressions;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Retention on PostgreSQL: whole months go by dropping partitions (cheap), but never with pending work in them; what a
/// month still holds that must stay is carried over into the default partitions first (herald_expire_month, migration
/// 008), and leaves from there row by row once it is terminal and unchanged for the retention.
/// </summary>
public sealed partial class PostgresStore : IRetentionStore
{
    private static readonly string[] TerminalNotifications = [.. RetentionStatuses.TerminalNotifications];
    private static readonly string[] TerminalDeliveries = [.. RetentionStatuses.TerminalDeliveries];

    // Months (YYYYMM) with a partition of one of the tables that ends at or before the cutoff.
    private const string ExpiredMonths = """
        SELECT DISTINCT right(c.relname, 6) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = ANY(@parents) AND c.relname ~ '_[0-9]{6}$'
          AND (to_date(right(c.relname, 6), 'YYYYMM')::timestamp + interval '1 month') AT TIME ZONE 'UTC' <= @cutoff
        ORDER BY 1
        """;

    // One batch of the default partition's expired notifications, with everything that hangs off them.
    private const string DeleteDefaultNotifications = """
        WITH expired AS (
          SELECT n.id FROM notifications_default n
          WHERE n.id < @bound AND n.updated_at < @cutoff AND n.status = ANY(@terminal_notifications)
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = n.id AND (d.status <> ALL(@terminal_deliveries) OR d.updated_at >= @cutoff))
          ORDER BY n.id LIMIT @batch),
        gone AS (DELETE FROM notifications n USING expired e WHERE n.id = e.id RETURNING n.id),
        dlv AS (DELETE FROM deliveries d USING gone WHERE d.notification_id = gone.id RETURNING d.id),
        att AS (DELETE FROM attempts a USING dlv WHERE a.delivery_id = dlv.id),
        tr AS (DELETE FROM trace t USING gone WHERE t.notification_id = gone.id),
        ob AS (DELETE FROM outbox o USING dlv WHERE o.delivery_id = dlv.id RETURNING 1)
        SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM dlv), (SELECT count(*) FROM ob)
        """;

    // Feed items are written after their notification, so an item made before the cutoff belongs to a notification
    // made before it: the walk stays in the primary key's range below the cutoff's bound.
    private const string DeleteDefaultFeed = """
        DELETE FROM feed_default f USING (
          SELECT notification_id, seq FROM feed_default WHERE notification_id < @bound AND created_at < @cutoff ORDER BY notification_id LIMIT @batch) e
        WHERE f.notification_id = e.notification_id AND f.seq = e.seq
        """;

    public async Task<RetentionSummary> PurgeExpiredAsync(RetentionCutoffs cutoffs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cutoffs);
        await using var c = await db.OpenAsync(ct);
        var summary = await ExpireMonthsAsync(c, cutoffs, ct);
        summary = summary.Add(await DeleteDefaultNotificationsAsync(c, cutoffs, ct));

        long feed = 0;
        for (var batch = cutoffs.BatchSize; batch == cutoffs.BatchSize;)
        {
            batch = await c.Command(DeleteDefaultFeed).With("bound", RetentionStatuses.IdBound("ntf", cutoffs.FeedBefore))
                .With("cutoff", cutoffs.FeedBefore.Ms()).With("batch", cutoffs.BatchSize).ExecuteNonQueryAsync(ct);
            feed += batch;
        }

        return summary.Add(RetentionSummary.None with { FeedItems = feed, OutboxMessages = await DeleteOutboxAsync(c, cutoffs, ct) });
    }

    private static async Task<RetentionSummary> ExpireMonthsAsync(NpgsqlConnection c, RetentionCutoffs cutoffs, CancellationToken ct)
    {
        var summary = RetentionSummary.None;
        foreach (var month in await MonthsAsync(c, ["notifications", "deliveries", "trace", "attempts"], cutoffs.NotificationsBefore, ct))
        {
            var expired = await c.Command("SELECT * FROM herald_expire_month(@month, @cutoff, @terminal_notifications, @terminal_deliveries)")
                .With("month", month).With("cutoff", cutoffs.NotificationsBefore.Ms())
                .With("terminal_notifications", TerminalNotifications).With("terminal_deliveries", TerminalDeliveries)
                .ReadAllAsync(r => new RetentionSummary(r.GetInt64(0), r.GetInt64(1), 0, 0, r.GetInt32(3), r.GetInt64(2), 0), ct);
            summary = summary.Add(expired[0]);
        }

        foreach (var month in await MonthsAsync(c, ["feed"], cutoffs.FeedBefore, ct))
        {
            var removed = await c.Command("SELECT herald_expire_feed_month(@month, @cutoff)")
                .With("month", month).With("cutoff", cutoffs.FeedBefore.Ms()).ExecuteScalarAsync(ct);
            summary = summary.Add(RetentionSummary.None with { FeedItems = Convert.ToInt64(removed, System.Globalization.CultureInfo.InvariantCulture), PartitionsDropped = 1 });
        }

        return summary;
    }

    private static async Task<List<string>> MonthsAsync(NpgsqlConnection c, string[] parents, DateTimeOffset cutoff, CancellationToken ct)
    {
        var months = await c.Command(ExpiredMonths).With("parents", parents).With("cutoff", cutoff.ToUniversalTime()).ReadAllAsync(r => r.GetString(0), ct);
        return [.. months.Where(m => Regex.IsMatch(m, "^[0-9]{6}$", RegexOptions.None, TimeSpan.FromSeconds(1)))];
    }

    private static async Task<RetentionSummary> DeleteDefaultNotificationsAsync(NpgsqlConnection c, RetentionCutoffs cutoffs, CancellationToken ct)
    {
        var summary = RetentionSummary.None;
        while (true)
        {
            var removed = (await c.Command(DeleteDefaultNotifications)
                .With("bound", RetentionStatuses.IdBound("ntf", cutoffs.NotificationsBefore)).With("cutoff", cutoffs.NotificationsBefore.Ms())
                .With("terminal_notifications", TerminalNotifications).With("terminal_deliveries", TerminalDeliveries).With("batch", cutoffs.BatchSize)
                .ReadAllAsync(r => RetentionSummary.None with { Notifications = r.GetInt64(0), Deliveries = r.GetInt64(1), OutboxMessages = r.GetInt64(2) }, ct))[0];
            summary = summary.Add(removed);
            if (removed.Notifications < cutoffs.BatchSize)
            {
                return summary;
            }
        }
    }

    /// <summary>
    /// The capture outbox (not partitioned) in windows of the batch size by id, stopping at the first window that reaches
    /// newer rows. A message is kept while its delivery is pending: the reconciler reads it to learn a send arrived.
    /// </summary>
    private static async Task<long> DeleteOutboxAsync(NpgsqlConnection c, RetentionCutoffs cutoffs, CancellationToken ct)
    {
        long removed = 0;
        long after = 0;
        while (true)
        {
            var window = await c.Command("SELECT id, created_at FROM outbox WHERE id > @after ORDER BY id LIMIT @batch")
                .With("after", after).With("batch", cutoffs.BatchSize).ReadAllAsync(r => (Id: r.GetInt64(0), At: r.GetInt64(1)), ct);
            if (window.Count == 0)
            {
                return removed;
            }

            removed += await c.Command("""
                DELETE FROM outbox o WHERE o.id > @after AND o.id <= @last AND o.created_at < @cutoff
                  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = o.delivery_id AND d.status <> ALL(@terminal_deliveries))
                """).With("after", after).With("last", window[^1].Id).With("cutoff", cutoffs.NotificationsBefore.Ms())
                .With("terminal_deliveries", TerminalDeliveries).ExecuteNonQueryAsync(ct);
            after = window[^1].Id;
            if (window.Count < cutoffs.BatchSize || window[^1].At >= cutoffs.NotificationsBefore.Ms())
            {
                return removed;
            }
        }
    }
}
