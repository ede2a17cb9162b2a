namespace Herald.Client;

/// <summary>
/// What analytics can group by. The document types <c>group_by</c> as a string: these are the values the server accepts
/// (it refuses another with a 400 naming them).
/// </summary>
public static class AnalyticsGroupings
{
    public const string Channel = "channel";
    public const string EventType = "event_type";
    public const string Provider = "provider";
}

/// <summary>Deliveries of notifications accepted from <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive), in total and per group.</summary>
public sealed record AnalyticsSummary(DateTimeOffset From, DateTimeOffset To, string GroupBy, AnalyticsTotal Total, IReadOnlyList<AnalyticsGroup> Groups);

public sealed record AnalyticsTotal(DeliveryCounts Counts, DeliveryRates Rates, LatencyPercentiles LatencyMs);

/// <summary>One group: <see cref="Key"/> is its channel, event type or provider (null: deliveries no provider took).</summary>
public sealed record AnalyticsGroup(string? Key, DeliveryCounts Counts, DeliveryRates Rates, LatencyPercentiles LatencyMs);

/// <summary>
/// Deliveries by their current status; <see cref="Total"/> counts them all. <see cref="Sent"/> counts what a provider (or the
/// feed) accepted; delivered, opened, clicked and bounced are provider reports on sent deliveries (subsets of it).
/// </summary>
public sealed record DeliveryCounts(long Total, long Queued, long InFlight, long Sent, long Delivered, long Opened, long Clicked, long Bounced, long Failed,
    long Dead, long Suppressed, long Cancelled);

/// <summary>
/// Fractions from 0 to 1, each null when its denominator is zero: delivery = delivered / sent, open = opened / delivered,
/// click = clicked / delivered, bounce = bounced / sent, failure = (failed + dead) / settled.
/// </summary>
public sealed record DeliveryRates(double? DeliveryRate, double? OpenRate, double? ClickRate, double? BounceRate, double? FailureRate);

/// <summary>Nearest-rank percentiles of the milliseconds from a notification's acceptance to a delivery's sending; null when nothing was sent.</summary>
public sealed record LatencyPercentiles(long? P50, long? P95, long? P99);
