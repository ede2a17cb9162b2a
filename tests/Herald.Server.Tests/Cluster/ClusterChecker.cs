using Npgsql;

namespace Herald.Server.Tests.Cluster;

/// <summary>The figures the cluster test proves, read straight from PostgreSQL after the run.</summary>
public sealed record ClusterReport(
    long Accepted, long Expected, long Deliveries, long ExpectedDeliveries, long Delivered, long Lost, long Duplicated, long Reordered, long OverLimit,
    long NotTerminal, long PendingDeliveries, long Dead, long Suppressed)
{
    public override string ToString() =>
        $"accepted {Accepted}/{Expected}, deliveries {Deliveries}/{ExpectedDeliveries}, delivered {Delivered}, lost {Lost}, duplicated {Duplicated}, " +
        $"reordered {Reordered}, over-limit {OverLimit} (notifications not terminal {NotTerminal}, deliveries pending {PendingDeliveries}, " +
        $"dead {Dead}, suppressed {Suppressed})";
}

public static class ClusterChecker
{
    /// <summary>
    /// A notification in any other status (accepted, planning, processing, ...) has not settled; nothing in this run expires
    /// or goes to a digest, so those count against it too.
    /// </summary>
    private const string NotTerminal = "status NOT IN ('completed', 'cancelled')";

    private const string Pending = "status IN ('queued', 'deferred', 'retrying', 'sending', 'unknown')";

    /// <summary>
    /// Notifications not settled, deliveries still moving (both zero when the run is over) and deliveries past their last
    /// move: the share of the work done (a notification not yet planned has no delivery to count).
    /// </summary>
    public static async Task<(long Unsettled, long PendingDeliveries, long SettledDeliveries)> ProgressAsync(string connection)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"""
            SELECT (SELECT count(*) FROM notifications WHERE {NotTerminal}), (SELECT count(*) FROM deliveries WHERE {Pending}),
                   (SELECT count(*) FROM deliveries WHERE NOT ({Pending}))
            """, c);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
    }

    /// <summary>
    /// Lost: notifications not accepted, not in a terminal status, or without a delivery; deliveries missing (fewer than
    /// the channels asked for), pending, dead, failed, suppressed, or "sent" with no record at the target.
    /// Duplicated: extra records of one delivery at the target (capture outbox, feed).
    /// Reordered: per recipient and lane, a later notification reached the target before an earlier one.
    /// Over-limit: a non-urgent delivery claimed while the recipient's channel window was already full.
    /// </summary>
    public static async Task<ClusterReport> CheckAsync(string connection, long expected, long expectedDeliveries, IReadOnlyDictionary<int, (int Count, TimeSpan Window)> limits)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        var accepted = await ScalarAsync(c, "SELECT count(*) FROM notifications");
        var deliveries = await ScalarAsync(c, "SELECT count(*) FROM deliveries");
        // Counted apart: a notification whose deliveries all settled can still be left processing (its status recomputed
        // without seeing a sibling channel's completion), which only several channels per notification show.
        var notTerminal = await ScalarAsync(c, $"SELECT count(*) FROM notifications WHERE {NotTerminal}");
        var pendingDeliveries = await ScalarAsync(c, $"SELECT count(*) FROM deliveries WHERE {Pending}");
        var withoutDelivery = await ScalarAsync(c, "SELECT count(*) FROM notifications n WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = n.id)");
        var dead = await ScalarAsync(c, "SELECT count(*) FROM deliveries WHERE status IN ('dead', 'failed')");
        var suppressed = await ScalarAsync(c, "SELECT count(*) FROM deliveries WHERE status = 'suppressed'");
        // Where each delivery arrived: the capture outbox (email, sms, push) or the feed (in_app), in arrival order.
        const string Arrivals = """
            SELECT d.id, d.notification_id, d.recipient_id, d.channel, d.priority, a.seq
            FROM deliveries d JOIN (
                SELECT delivery_id, id AS seq FROM outbox
                UNION ALL SELECT delivery_id, seq FROM feed) a ON a.delivery_id = d.id
            """;
        var arrivals = new List<(string Delivery, string Notification, string Recipient, int Channel, int Priority, long Seq)>();
        await using (var cmd = new NpgsqlCommand(Arrivals, c))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                arrivals.Add((r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetInt64(5)));
            }
        }

        var perDelivery = arrivals.GroupBy(a => a.Delivery).ToDictionary(g => g.Key, g => g.Count());
        var delivered = perDelivery.Count;
        var duplicated = perDelivery.Values.Sum(n => (long)Math.Max(0, n - 1));
        var sentWithoutRecord = await ScalarAsync(c, """
            SELECT count(*) FROM deliveries d WHERE d.status IN ('sent', 'delivered')
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.delivery_id = d.id) AND NOT EXISTS (SELECT 1 FROM feed f WHERE f.delivery_id = d.id)
            """);
        long reordered = 0;
        foreach (var lane in arrivals.GroupBy(a => (a.Recipient, a.Channel, a.Priority)))
        {
            var firstArrival = lane.GroupBy(a => a.Delivery).Select(g => g.OrderBy(a => a.Seq).First()).OrderBy(a => a.Seq).ToList();
            for (var i = 1; i < firstArrival.Count; i++)
            {
                if (string.CompareOrdinal(firstArrival[i].Notification, firstArrival[i - 1].Notification) < 0)
                {
                    reordered++;
                }
            }
        }

        long overLimit = 0;
        var claims = new List<(string Recipient, int Channel, long ClaimedAt)>();
        await using (var cmd = new NpgsqlCommand("SELECT recipient_id, channel, claimed_at FROM deliveries WHERE priority <> 0 AND claimed_at IS NOT NULL AND status IN ('sent', 'delivered')", c))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                claims.Add((r.GetString(0), r.GetInt32(1), r.GetInt64(2)));
            }
        }

        foreach (var group in claims.GroupBy(x => (x.Recipient, x.Channel)))
        {
            if (!limits.TryGetValue(group.Key.Channel, out var limit))
            {
                continue;
            }

            var times = group.Select(x => x.ClaimedAt).Order().ToArray();
            var window = (long)limit.Window.TotalMilliseconds;
            for (var i = limit.Count; i < times.Length; i++)
            {
                // The (count+1)-th claim inside one window breaks the limit.
                if (times[i] - times[i - limit.Count] < window)
                {
                    overLimit++;
                }
            }
        }

        var lost = Math.Max(0, expected - accepted) + Math.Max(0, expectedDeliveries - deliveries) + notTerminal + pendingDeliveries + withoutDelivery
            + dead + suppressed + sentWithoutRecord;
        return new ClusterReport(accepted, expected, deliveries, expectedDeliveries, delivered, lost, duplicated, reordered, overLimit, notTerminal,
            pendingDeliveries, dead, suppressed);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
