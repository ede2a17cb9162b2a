using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>Read-only counts: the analytics summary and the queue snapshot.</summary>
internal sealed class PostgresAnalyticsStore(PostgresDatabase db) : IAnalyticsStore, IQueueStatsStore
{
    // One pass: GROUPING SETS gives each group and the total (GROUPING(key) = 1). percentile_disc(p) is the nearest
    // rank ⌈p·n⌉ over the non-null latencies, as the SQLite store computes it. The notification id range prunes the
    // monthly partitions of both tables and is an index range inside them (see AnalyticsWindow.IdSlack); created_at
    // then decides exactly.
    private const string SummarySql = $$"""
        SELECT GROUPING({key}), {key}, count(*),
            count(*) FILTER (WHERE d.status IN {{DeliveryStatus.Sql.Claimable}}),
            count(*) FILTER (WHERE d.status IN {{DeliveryStatus.Sql.InFlight}}),
            count(*) FILTER (WHERE d.sent_at IS NOT NULL),
            count(*) FILTER (WHERE d.sent_at IS NOT NULL AND d.delivered_at IS NOT NULL),
            count(*) FILTER (WHERE d.sent_at IS NOT NULL AND d.tracked_status IN {{DeliveryStatus.Sql.Engaged}}),
            count(*) FILTER (WHERE d.sent_at IS NOT NULL AND d.tracked_status = 'clicked'),
            count(*) FILTER (WHERE d.sent_at IS NOT NULL AND d.tracked_status = 'bounced'),
            count(*) FILTER (WHERE d.status = 'failed'),
            count(*) FILTER (WHERE d.status = 'dead'),
            count(*) FILTER (WHERE d.status = 'suppressed'),
            count(*) FILTER (WHERE d.status = 'cancelled'),
            percentile_disc(0.5) WITHIN GROUP (ORDER BY d.sent_at - n.created_at),
            percentile_disc(0.95) WITHIN GROUP (ORDER BY d.sent_at - n.created_at),
            percentile_disc(0.99) WITHIN GROUP (ORDER BY d.sent_at - n.created_at)
        FROM deliveries d JOIN notifications n ON n.id = d.notification_id
        WHERE d.notification_id >= @lo AND d.notification_id < @hi AND n.id >= @lo AND n.id < @hi
          AND n.created_at >= @from AND n.created_at < @to AND n.recipient_id <> '_ops' AND n.environment_id = @env
        GROUP BY GROUPING SETS (({key}), ())
        """;

    public async Task<AnalyticsSummary> SummarizeAsync(string environmentId, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, AnalyticsGrouping groupBy, CancellationToken ct)
    {
        var key = groupBy switch
        {
            AnalyticsGrouping.Channel => "d.channel::text",
            AnalyticsGrouping.EventType => "d.event_type",
            AnalyticsGrouping.Provider => "d.provider",
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy)),
        };
        await using var c = await db.OpenAsync(ct);
        await using var command = c.Command(SummarySql.Replace("{key}", key, StringComparison.Ordinal))
            .With("lo", AnalyticsWindow.NotificationIdBound(fromInclusive - AnalyticsWindow.IdSlack))
            .With("hi", AnalyticsWindow.NotificationIdBound(toExclusive + AnalyticsWindow.IdSlack))
            .With("env", environmentId).With("from", fromInclusive.Ms()).With("to", toExclusive.Ms());
        var rows = await command.ReadAllAsync(r => (Total: r.GetInt32(0) == 1, Group: AnalyticsGroupRow.Map(r, 1, groupBy)), ct);
        return new AnalyticsSummary(
            rows.Where(x => x.Total).Select(x => x.Group).FirstOrDefault() ?? AnalyticsWindow.EmptyTotal,
            AnalyticsWindow.Ordered(rows.Where(x => !x.Total).Select(x => x.Group)));
    }

    public async Task<QueueSnapshot> GetQueueSnapshotAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        // ix_deliveries_lane, ix_deliveries_lease and ix_deliveries_dead are partial on exactly these statuses.
        var lanes = await c.Command($"""
            SELECT channel, priority, COUNT(*), MIN(due_at) FROM deliveries
            WHERE status IN {DeliveryStatus.Sql.Claimable} AND due_at <= @now GROUP BY channel, priority
            """).With("now", now.ToUnixTimeMilliseconds())
            .ReadAllAsync(r => new LaneBacklog((Channel)r.GetInt32(0), (Priority)r.GetInt32(1), r.GetInt64(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3))), ct);
        var (sending, dead) = (await c.Command("SELECT (SELECT COUNT(*) FROM deliveries WHERE status = 'sending'), (SELECT COUNT(*) FROM deliveries WHERE status = 'dead')")
            .ReadAllAsync(r => (r.GetInt64(0), r.GetInt64(1)), ct))[0];
        return new QueueSnapshot(lanes, sending, dead);
    }
}
