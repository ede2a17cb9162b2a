using Herald.Core.Domain;
using Npgsql;

namespace Herald.Server.Tests.Cluster;

/// <summary>The figures the cluster test proves, read straight from PostgreSQL after the run.</summary>
public sealed record ClusterReport(
    long Accepted, long Expected, long Deliveries, long ExpectedDeliveries, long Delivered, long Lost, long Duplicated, long Reordered, long OverLimit,
    long NotTerminal, long PendingDeliveries, long Dead, long Suppressed, long ProviderMessages, long Unmatched, string Samples)
{
    public override string ToString() =>
        $"accepted {Accepted}/{Expected}, deliveries {Deliveries}/{ExpectedDeliveries}, delivered {Delivered}, lost {Lost}, duplicated {Duplicated}, " +
        $"reordered {Reordered}, over-limit {OverLimit} (notifications not terminal {NotTerminal}, deliveries pending {PendingDeliveries}, " +
        $"dead {Dead}, suppressed {Suppressed}; SMS accepted by the provider {ProviderMessages}, matching no delivery {Unmatched})" +
        (Samples.Length == 0 ? "" : $"; for example {Samples}");
}

/// <summary>
/// A message the SMS provider (the sandbox) accepted, from its message log: our delivery id as it read it from the
/// StatusCallback URL, and the To and Body it was sent with.
/// </summary>
public sealed record ProviderMessage(string? Reference, string To, string Body);

public static class ClusterChecker
{
    /// <summary>
    /// A notification in any other status (accepted, planning, processing, ...) has not settled; nothing in this run expires
    /// or goes to a digest, so those count against it too.
    /// </summary>
    private const string NotTerminal = "status NOT IN ('completed', 'cancelled')";

    private const string Pending = "status IN ('queued', 'deferred', 'retrying', 'sending', 'unknown')";

    /// <summary>Channel.Sms as stored (the enum's value).</summary>
    private const int SmsChannel = (int)Herald.Core.Domain.Channel.Sms;

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
    /// the channels asked for), pending, dead, failed, suppressed, or "sent"/"delivered" with no record at the target.
    /// Duplicated: extra records of one delivery at the target (capture outbox, feed, the SMS provider's accepted
    /// messages), and provider messages that match no SMS delivery by reference, To and Body. SMS go through a real
    /// provider adapter, so the provider's record of accepted messages (<paramref name="smsAccepted"/>, in the order it
    /// accepted them), not Herald's, says what arrived.
    /// Reordered: per recipient and lane, a later notification reached the target before an earlier one.
    /// Over-limit: a non-urgent delivery claimed while the recipient's channel window was already full.
    /// </summary>
    public static async Task<ClusterReport> CheckAsync(string connection, long expected, long expectedDeliveries, IReadOnlyDictionary<int, (int Count, TimeSpan Window)> limits,
        IReadOnlyList<ProviderMessage> smsAccepted)
    {
        ArgumentNullException.ThrowIfNull(smsAccepted);
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

        var unmatched = await AddProviderArrivalsAsync(c, smsAccepted, arrivals);
        var perDelivery = arrivals.GroupBy(a => a.Delivery).ToDictionary(g => g.Key, g => g.Count());
        var delivered = perDelivery.Count;
        var duplicated = perDelivery.Values.Sum(n => (long)Math.Max(0, n - 1)) + unmatched;
        var withoutRecord = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT id FROM deliveries WHERE status IN ('sent', 'delivered')", c))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                if (!perDelivery.ContainsKey(r.GetString(0)))
                {
                    withoutRecord.Add(r.GetString(0));
                }
            }
        }

        long sentWithoutRecord = withoutRecord.Count;
        // A few delivery ids to look up (GET /api/v1/notifications/{id} shows the trace) when a figure is not zero.
        var samples = string.Join("; ", new[]
        {
            ("duplicated", perDelivery.Where(p => p.Value > 1).Select(p => p.Key)),
            ("sent without a record", withoutRecord),
            ("dead or failed", await ListAsync(c, "SELECT id FROM deliveries WHERE status IN ('dead', 'failed') LIMIT 3")),
            ("suppressed", await ListAsync(c, "SELECT id || ' (' || coalesce(last_error, '?') || ')' FROM deliveries WHERE status = 'suppressed' LIMIT 3")),
        }.Where(x => x.Item2.Any()).Select(x => $"{x.Item1} {string.Join(", ", x.Item2.Take(3))}"));

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
            pendingDeliveries, dead, suppressed, smsAccepted.Count, unmatched, samples);
    }

    /// <summary>
    /// How the SMS path went: the reconciler's decisions and the provider-call outcomes (a fault run shows "unknown"
    /// attempts and "reconciled" decisions; without them the faults did not reach the path they are there to test).
    /// </summary>
    public static async Task<string> SmsPathAsync(string connection)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        var parts = new List<string>();
        foreach (var (label, sql) in new[]
        {
            ("SMS attempts", $"SELECT a.outcome, count(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.channel = {SmsChannel} GROUP BY a.outcome ORDER BY a.outcome"),
            ("reconciler", "SELECT decision, count(*) FROM trace WHERE stage = 'reconcile' AND channel = 'sms' GROUP BY decision ORDER BY decision"),
            ("SMS deliveries", $"SELECT status, count(*) FROM deliveries WHERE channel = {SmsChannel} GROUP BY status ORDER BY status"),
        })
        {
            var counts = new List<string>();
            await using var cmd = new NpgsqlCommand(sql, c);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                counts.Add($"{r.GetString(0)} {r.GetInt64(1)}");
            }

            parts.Add($"{label}: {(counts.Count == 0 ? "none" : string.Join(", ", counts))}");
        }

        return string.Join("; ", parts);
    }

    /// <summary>
    /// Adds the provider's accepted messages as arrivals (their log position as the arrival order). A message counts for
    /// a delivery only when its reference names an SMS delivery and its To and Body are that delivery's target and rendered
    /// body; the rest are returned as unmatched (a message nobody asked for is as wrong as a second copy).
    /// </summary>
    private static async Task<long> AddProviderArrivalsAsync(NpgsqlConnection c, IReadOnlyList<ProviderMessage> accepted,
        List<(string Delivery, string Notification, string Recipient, int Channel, int Priority, long Seq)> arrivals)
    {
        var sms = new Dictionary<string, (string Notification, string Recipient, int Priority, string Target, string? Body)>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand($"SELECT id, notification_id, recipient_id, priority, target, content FROM deliveries WHERE channel = {SmsChannel}", c))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                var body = System.Text.Json.Nodes.JsonNode.Parse(r.GetString(5))?["body"]?.GetValue<string>();
                sms[r.GetString(0)] = (r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetString(4), body);
            }
        }

        long unmatched = 0;
        for (var i = 0; i < accepted.Count; i++)
        {
            var m = accepted[i];
            if (m.Reference is { } id && sms.TryGetValue(id, out var d) && d.Target == m.To && d.Body == m.Body)
            {
                arrivals.Add((id, d.Notification, d.Recipient, SmsChannel, d.Priority, i));
            }
            else
            {
                unmatched++;
            }
        }

        return unmatched;
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection c, string sql)
    {
        var values = new List<string>();
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            values.Add(r.GetString(0));
        }

        return values;
    }

    /// <summary>
    /// Deliveries a channel fallback added (urgent push → sms → email, when a channel keeps failing past its deadline
    /// under the faults and restarts), and how many notification × channel pairs got more than one of them (must be 0).
    /// </summary>
    public static async Task<(long Added, long Repeated)> FallbacksAsync(string connection)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        var wire = string.Join(' ', Enum.GetValues<Channel>().Select(ch => $"WHEN {(int)ch} THEN '{ch.ToWire()}'"));
        var added = $"""
            SELECT d.notification_id, d.channel FROM deliveries d
            WHERE EXISTS (SELECT 1 FROM trace t WHERE t.notification_id = d.notification_id AND t.stage = 'fallback'
                AND t.channel = CASE d.channel {wire} END)
            """;
        return (await ScalarAsync(c, $"SELECT count(*) FROM ({added}) x"),
            await ScalarAsync(c, $"SELECT count(*) FROM (SELECT 1 FROM ({added}) x GROUP BY notification_id, channel HAVING count(*) > 1) y"));
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
