using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

/// <summary>Read-only figures over deliveries: the analytics summary of a window and the lanes' queue snapshot.</summary>
internal sealed class SqliteAnalyticsStore(SqliteDatabase db) : IAnalyticsStore, IQueueStatsStore
{
    // One pass over the window's rows, one row per group. SQLite has no percentile function, so the nearest rank ⌈p·n/100⌉
    // is picked with row_number over the non-null latencies (nulls sort last, n counts only the non-null ones), the rank
    // PostgreSQL's percentile_disc picks: within the group (rn, nl) for the group's percentiles, and over every row (rt,
    // nt) for the total's, which then lands in exactly one group's row. Totals of the counts are the groups' sums. The
    // window comes from notification ids (an index range, see AnalyticsWindow.IdSlack); created_at then decides exactly.
    private const string SummarySql = $$"""
        WITH r AS (
            SELECT {key} AS k, d.status AS s, d.tracked_status AS t, d.sent_at AS sent_at, d.delivered_at AS delivered_at,
                   d.sent_at - n.created_at AS lat
            FROM deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE d.notification_id >= $lo AND d.notification_id < $hi AND n.id >= $lo AND n.id < $hi
              AND n.created_at >= $from AND n.created_at < $to AND n.recipient_id <> '_ops' AND n.environment_id = $env),
        w AS (
            SELECT r.*, row_number() OVER (PARTITION BY k ORDER BY lat IS NULL, lat) AS rn, count(lat) OVER (PARTITION BY k) AS nl,
                   row_number() OVER (ORDER BY lat IS NULL, lat) AS rt, count(lat) OVER () AS nt
            FROM r)
        SELECT k, count(*),
            count(*) FILTER (WHERE s IN {{DeliveryStatus.Sql.Claimable}}),
            count(*) FILTER (WHERE s IN {{DeliveryStatus.Sql.InFlight}}),
            count(*) FILTER (WHERE sent_at IS NOT NULL),
            count(*) FILTER (WHERE sent_at IS NOT NULL AND delivered_at IS NOT NULL),
            count(*) FILTER (WHERE sent_at IS NOT NULL AND t IN {{DeliveryStatus.Sql.Engaged}}),
            count(*) FILTER (WHERE sent_at IS NOT NULL AND t = 'clicked'),
            count(*) FILTER (WHERE sent_at IS NOT NULL AND t = 'bounced'),
            count(*) FILTER (WHERE s = 'failed'),
            count(*) FILTER (WHERE s = 'dead'),
            count(*) FILTER (WHERE s = 'suppressed'),
            count(*) FILTER (WHERE s = 'cancelled'),
            min(lat) FILTER (WHERE rn = (nl * 50 + 99) / 100),
            min(lat) FILTER (WHERE rn = (nl * 95 + 99) / 100),
            min(lat) FILTER (WHERE rn = (nl * 99 + 99) / 100),
            min(lat) FILTER (WHERE rt = (nt * 50 + 99) / 100),
            min(lat) FILTER (WHERE rt = (nt * 95 + 99) / 100),
            min(lat) FILTER (WHERE rt = (nt * 99 + 99) / 100)
        FROM w GROUP BY k
        """;

    public async Task<AnalyticsSummary> SummarizeAsync(string environmentId, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, AnalyticsGrouping groupBy, CancellationToken ct)
    {
        var key = groupBy switch
        {
            AnalyticsGrouping.Channel => "CAST(d.channel AS TEXT)",
            AnalyticsGrouping.EventType => "d.event_type",
            AnalyticsGrouping.Provider => "d.provider",
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy)),
        };
        await using var c = await db.OpenReadAsync(ct);
        var rows = await c.Command(SummarySql.Replace("{key}", key, StringComparison.Ordinal))
            .With("$lo", AnalyticsWindow.NotificationIdBound(fromInclusive - AnalyticsWindow.IdSlack))
            .With("$hi", AnalyticsWindow.NotificationIdBound(toExclusive + AnalyticsWindow.IdSlack))
            .With("$env", environmentId).With("$from", fromInclusive.Ms()).With("$to", toExclusive.Ms())
            .ReadAllAsync(r => (Group: AnalyticsGroupRow.Map(r, 0, groupBy), Total: AnalyticsGroupRow.Latency(r, 16)), ct);
        if (rows.Count == 0)
        {
            return new AnalyticsSummary(AnalyticsWindow.EmptyTotal, []);
        }

        var total = rows.Aggregate(DeliveryCounts.Zero, (sum, x) => sum.Plus(x.Group.Counts));
        var latency = new LatencyPercentiles(rows.Max(x => x.Total.P50), rows.Max(x => x.Total.P95), rows.Max(x => x.Total.P99));
        return new AnalyticsSummary(new AnalyticsGroup(null, total, latency), AnalyticsWindow.Ordered(rows.Select(x => x.Group)));
    }

    public async Task<QueueSnapshot> GetQueueSnapshotAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        // The lane index is partial on exactly these statuses, so this reads the index, not the table.
        var lanes = await c.Command($"""
            SELECT channel, priority, COUNT(*), MIN(due_at) FROM deliveries
            WHERE status IN {DeliveryStatus.Sql.Claimable} AND due_at <= $now GROUP BY channel, priority
            """).With("$now", now.Ms())
            .ReadAllAsync(r => new LaneBacklog((Channel)r.GetInt32(0), (Priority)r.GetInt32(1), r.GetInt64(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3))), ct);
        var (sending, dead) = (await c.Command("SELECT (SELECT COUNT(*) FROM deliveries WHERE status = 'sending'), (SELECT COUNT(*) FROM deliveries WHERE status = 'dead')")
            .ReadAllAsync(r => (r.GetInt64(0), r.GetInt64(1)), ct))[0];
        return new QueueSnapshot(lanes, sending, dead);
    }
}
