using Herald.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server.Api;

/// <summary>
/// Delivery analytics over a window of notification acceptance: counts, rates and latency percentiles per channel,
/// event type or provider, and in total. Definitions are on <see cref="DeliveryCounts"/>, <see cref="DeliveryRates"/>
/// and <see cref="LatencyPercentiles"/>.
/// </summary>
internal static class AnalyticsEndpoints
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    /// <summary>A quarter and a bit: longer windows are refused (PostgreSQL keeps 90 days by default anyway).</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(93);

    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset Latest = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void MapAnalytics(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/analytics", SummarizeAsync).WithTags("Analytics").RequireScope(ApiKeys.NotificationsRead)
            .Produces<AnalyticsResponse>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403);

    private static async Task<Results<Ok<AnalyticsResponse>, ProblemHttpResult>> SummarizeAsync(string? from, string? to, string? group_by,
        HttpContext http, IAnalyticsStore store, TimeProvider time, CancellationToken ct)
    {
        if (Window(from, to, time.GetUtcNow(), out var start, out var end) is { } badWindow)
        {
            return badWindow;
        }

        if (Grouping(group_by, out var grouping) is { } badGrouping)
        {
            return badGrouping;
        }

        var summary = await store.SummarizeAsync(AuthSchemes.EnvironmentOf(http.User), start, end, grouping, ct);
        return TypedResults.Ok(new AnalyticsResponse(start, end, group_by ?? "channel", new AnalyticsTotalResponse(Counts(summary.Total.Counts),
            Rates(summary.Total.Counts), Latency(summary.Total.LatencyMs)),
            [.. summary.Groups.Select(g => new AnalyticsGroupResponse(g.Key, Counts(g.Counts), Rates(g.Counts), Latency(g.LatencyMs)))]));
    }

    /// <summary>[from, to): both given, or the 24 hours before <c>to</c>, or from <c>from</c> until now, or the last 24 hours.</summary>
    private static ProblemHttpResult? Window(string? from, string? to, DateTimeOffset now, out DateTimeOffset start, out DateTimeOffset end)
    {
        start = end = now;
        if (Validate.Timestamp("from", from, out var f) is { } badFrom)
        {
            return badFrom;
        }

        if (Validate.Timestamp("to", to, out var t) is { } badTo)
        {
            return badTo;
        }

        // Outside these the window's arithmetic (here and in the stores) overflows: year 1 or 9999 answered 500.
        foreach (var (field, value) in new[] { ("from", f), ("to", t) })
        {
            if (value is { } at && (at < Earliest || at > Latest))
            {
                return Problems.Validation(field, $"'{field}' must lie between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}");
            }
        }

        end = t ?? now;
        start = f ?? end - DefaultWindow;
        if (start >= end)
        {
            return Problems.Validation(t is null ? "from" : "to", $"'from' ({start:O}) must be earlier than 'to' ({end:O}{(t is null ? ", now" : "")})");
        }

        return end - start > MaxWindow
            ? Problems.Validation("from", $"the window from 'from' to 'to' spans {(end - start).TotalDays:0.##} days; at most {MaxWindow.TotalDays:0} days")
            : null;
    }

    private static ProblemHttpResult? Grouping(string? value, out AnalyticsGrouping grouping)
    {
        grouping = AnalyticsGrouping.Channel;
        switch (value)
        {
            case null or "channel": return null;
            case "event_type": grouping = AnalyticsGrouping.EventType; return null;
            case "provider": grouping = AnalyticsGrouping.Provider; return null;
            default: return Problems.Validation("group_by", $"unknown group_by '{value}'; expected channel, event_type or provider");
        }
    }

    private static AnalyticsCountsResponse Counts(DeliveryCounts c) =>
        new(c.Total, c.Queued, c.InFlight, c.Sent, c.Delivered, c.Opened, c.Clicked, c.Bounced, c.Failed, c.Dead, c.Suppressed, c.Cancelled);

    private static AnalyticsRatesResponse Rates(DeliveryCounts c)
    {
        var r = DeliveryRates.Of(c);
        return new(r.Delivery, r.Open, r.Click, r.Bounce, r.Failure);
    }

    private static LatencyPercentilesResponse Latency(LatencyPercentiles p) => new(p.P50, p.P95, p.P99);
}
