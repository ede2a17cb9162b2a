namespace Herald.Core.Storage;

/// <summary>What the analytics summary groups deliveries by.</summary>
public enum AnalyticsGrouping
{
    Channel,
    EventType,
    Provider,
}

/// <summary>
/// Delivery counts of one group. Every delivery counts in <see cref="Total"/> and in exactly one of <see cref="Queued"/>
/// (queued, deferred, retrying), <see cref="InFlight"/> (sending, unknown) or the settled states. <see cref="Sent"/>
/// counts deliveries a provider (or the feed) accepted, whatever happened after; <see cref="Delivered"/>,
/// <see cref="Opened"/> (an open or a click), <see cref="Clicked"/> and <see cref="Bounced"/> are provider reports on
/// sent deliveries, so each is a subset of <see cref="Sent"/> and opened and clicked are subsets of delivered.
/// <see cref="Failed"/> is the delivery status failed: the target was invalid, or the provider reported a failure after
/// accepting the message (then it is also sent).
/// </summary>
public sealed record DeliveryCounts(
    long Total,
    long Queued,
    long InFlight,
    long Sent,
    long Delivered,
    long Opened,
    long Clicked,
    long Bounced,
    long Failed,
    long Dead,
    long Suppressed,
    long Cancelled)
{
    /// <summary>Deliveries in a final state: everything neither waiting nor being sent.</summary>
    public long Settled => Total - Queued - InFlight;

    public static DeliveryCounts Zero { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>The counts of two disjoint sets of deliveries together.</summary>
    public DeliveryCounts Plus(DeliveryCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Total + other.Total, Queued + other.Queued, InFlight + other.InFlight, Sent + other.Sent, Delivered + other.Delivered,
            Opened + other.Opened, Clicked + other.Clicked, Bounced + other.Bounced, Failed + other.Failed, Dead + other.Dead,
            Suppressed + other.Suppressed, Cancelled + other.Cancelled);
    }
}

/// <summary>
/// Rates of one group, each null when its denominator is zero: delivery = delivered / sent, open = opened / delivered,
/// click = clicked / delivered, bounce = bounced / sent, failure = (failed + dead) / settled.
/// </summary>
public sealed record DeliveryRates(double? Delivery, double? Open, double? Click, double? Bounce, double? Failure)
{
    public static DeliveryRates Of(DeliveryCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return new(
            Ratio(counts.Delivered, counts.Sent),
            Ratio(counts.Opened, counts.Delivered),
            Ratio(counts.Clicked, counts.Delivered),
            Ratio(counts.Bounced, counts.Sent),
            Ratio(counts.Failed + counts.Dead, counts.Settled));
    }

    private static double? Ratio(long part, long whole) => whole == 0 ? null : (double)part / whole;
}

/// <summary>
/// Nearest-rank percentiles of the milliseconds from a notification's acceptance (its created_at) to a delivery's
/// sent_at, over the group's sent deliveries: the p-th percentile of n sorted values is the value at rank ⌈p·n/100⌉.
/// Null when nothing was sent.
/// </summary>
public sealed record LatencyPercentiles(long? P50, long? P95, long? P99);

/// <summary>One group of the summary. <see cref="Key"/> is the channel's wire name, the event type or the provider name (null: no provider yet).</summary>
public sealed record AnalyticsGroup(string? Key, DeliveryCounts Counts, LatencyPercentiles LatencyMs);

/// <summary>The groups, ordered by key (ordinal, a null key last), and the total over all of them.</summary>
public sealed record AnalyticsSummary(AnalyticsGroup Total, IReadOnlyList<AnalyticsGroup> Groups);

/// <summary>Delivery analytics: what <c>GET /api/v1/analytics</c> needs.</summary>
public interface IAnalyticsStore
{
    /// <summary>
    /// Summarizes the deliveries of one environment's notifications accepted in [<paramref name="fromInclusive"/>, <paramref name="toExclusive"/>) (the
    /// notification's created_at, to the millisecond), grouped by <paramref name="groupBy"/>, with a total.
    /// </summary>
    Task<AnalyticsSummary> SummarizeAsync(string environmentId, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, AnalyticsGrouping groupBy, CancellationToken ct);
}

/// <summary>Shared by the stores: the id range that holds the notifications accepted in a window.</summary>
public static class AnalyticsWindow
{
    /// <summary>
    /// Ids are UUIDv7 minted within milliseconds of created_at (the same clock, read just after it), so the stores scan
    /// notification ids this much either side of the window, an index range, and then filter on created_at exactly.
    /// </summary>
    public static readonly TimeSpan IdSlack = TimeSpan.FromMinutes(1);

    /// <summary>The first notification id of the millisecond <paramref name="at"/>: "ntf_" and the UUIDv7's 12-hex-digit timestamp.</summary>
    public static string NotificationIdBound(DateTimeOffset at)
    {
        var ms = Math.Max(0, at.ToUnixTimeMilliseconds());
        return "ntf_" + ms.ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Orders groups by key, ordinal, the null key last.</summary>
    public static IReadOnlyList<AnalyticsGroup> Ordered(IEnumerable<AnalyticsGroup> groups) =>
        [.. groups.OrderBy(g => g.Key is null).ThenBy(g => g.Key, StringComparer.Ordinal)];

    /// <summary>The total of an empty window.</summary>
    public static AnalyticsGroup EmptyTotal => new(null, DeliveryCounts.Zero, new LatencyPercentiles(null, null, null));
}
