using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// The analytics summary: counts by status and provider report, rates, nearest-rank latency percentiles, the window
/// (by the notification's acceptance, from inclusive, to exclusive) and grouping. Rows are seeded through the ports the
/// pipeline uses (accept, plan, claim, complete, track), so the summary reads what the pipeline writes.
/// </summary>
public abstract class AnalyticsContract
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddHours(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    protected abstract Task<StoreHandle> OpenAsync();

    private enum Outcome
    {
        Queued,
        Sending,
        Sent,
        Failed,
        Dead,
        Suppressed,
    }

    private sealed record Seed(DateTimeOffset Accepted, Channel Channel, string EventType, string? Provider, Outcome Outcome, int LatencyMs = 0, params string[] Tracked)
    {
        public string? Recipient { get; init; }
    }

    /// <summary>Lets every delivery through except those the test wants suppressed at the gate.</summary>
    private sealed class ScriptedGate(bool suppress) : IDispatchGate
    {
        public GateDecision Decide(Delivery delivery, IGateContext context, DateTimeOffset now) =>
            suppress ? new GateDecision.Suppress("gate", "test suppression") : new GateDecision.Proceed();
    }

    private static async Task SeedAsync(StoreHandle s, Seed x, CancellationToken ct)
    {
        var nid = "ntf_" + Guid.CreateVersion7(x.Accepted).ToString("N");
        var did = "dlv_" + Guid.CreateVersion7(x.Accepted).ToString("N");
        var recipient = x.Recipient ?? "u-" + Guid.NewGuid().ToString("N");
        var notification = new Notification(nid, x.EventType, recipient, Priority.Normal, NotificationStatus.Accepted, "tpl", 1, null, "{}", null, null,
            x.Accepted, x.Accepted);
        await s.Ingest.AcceptAsync([new IngestItem([notification], null)], x.Accepted, ct);
        var planning = await s.Plans.ClaimForPlanningAsync(Priority.Normal, x.Accepted, x.Accepted.AddSeconds(30), 10, ct);
        planning.Select(n => n.Id).ShouldBe([nid]);
        // A queued delivery is due long after every seed, so later seeds' claims never take it.
        var due = x.Outcome == Outcome.Queued ? T0.AddDays(10) : x.Accepted;
        var delivery = new Delivery(did, nid, recipient, x.EventType, x.Channel, Priority.Normal, "target-" + did, null, null, DeliveryStatus.Queued, 0, null,
            "{}", "hash-" + did, due, null, null, x.Accepted, x.Accepted);
        await s.Plans.CompletePlanningAsync([new PlanResult(nid, [delivery], [], NotificationStatus.Processing)], x.Accepted, ct);
        if (x.Outcome == Outcome.Queued)
        {
            return;
        }

        var claimed = await s.Dispatch.ClaimDueAsync(x.Channel, Priority.Normal, x.Accepted, x.Accepted.AddSeconds(30), "lane", 10,
            new ScriptedGate(x.Outcome == Outcome.Suppressed), ct);
        claimed.Select(d => d.Id).ShouldBe(x.Outcome == Outcome.Suppressed ? [] : [did]);
        if (x.Outcome is Outcome.Suppressed or Outcome.Sending)
        {
            return;
        }

        var at = x.Accepted.AddMilliseconds(x.LatencyMs);
        var status = x.Outcome switch { Outcome.Sent => DeliveryStatus.Sent, Outcome.Failed => DeliveryStatus.Failed, _ => DeliveryStatus.Dead };
        var completion = new DeliveryCompletion(did, nid, "lane", status, null, x.Provider, status == DeliveryStatus.Sent ? null : "test failure", status,
            "pm-" + did, at, at, []);
        (await s.Dispatch.CompleteAsync([completion], at, ct)).ShouldBe([true]);
        for (var i = 0; i < x.Tracked.Length; i++)
        {
            var reported = at.AddSeconds(i + 1);
            await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(did, nid, x.Tracked[i], reported, null)], reported, ct);
        }
    }

    private static async Task SeedAllAsync(StoreHandle s, IEnumerable<Seed> seeds, CancellationToken ct)
    {
        foreach (var seed in seeds)
        {
            await SeedAsync(s, seed, ct);
        }
    }

    /// <summary>Three channels, three providers (and none), two event types, every outcome; two rows just outside [T0, T1).</summary>
    private static IEnumerable<Seed> Mixed() =>
    [
        new(T0, Channel.Email, "order.shipped", "sendgrid", Outcome.Sent, 100, DeliveryStatus.Delivered, DeliveryStatus.Opened, DeliveryStatus.Clicked),
        new(T0.AddMinutes(1), Channel.Email, "order.shipped", "sendgrid", Outcome.Sent, 200, DeliveryStatus.Delivered, DeliveryStatus.Opened),
        new(T0.AddMinutes(2), Channel.Email, "order.shipped", "sendgrid", Outcome.Sent, 300, DeliveryStatus.Delivered),
        new(T0.AddMinutes(3), Channel.Email, "order.shipped", "sendgrid", Outcome.Sent, 400, DeliveryStatus.Bounced),
        new(T0.AddMinutes(4), Channel.Email, "order.shipped", "sendgrid", Outcome.Failed),
        new(T0.AddMinutes(5), Channel.Sms, "order.shipped", "twilio", Outcome.Sent, 1000, DeliveryStatus.Delivered),
        new(T0.AddMinutes(6), Channel.Sms, "order.shipped", "twilio", Outcome.Sent, 2000),
        new(T0.AddMinutes(7), Channel.Sms, "order.shipped", "twilio", Outcome.Dead),
        new(T0.AddMinutes(8), Channel.Sms, "order.shipped", null, Outcome.Suppressed),
        new(T0.AddMinutes(9), Channel.Sms, "order.shipped", "twilio", Outcome.Sent, 3000, DeliveryStatus.Failed),
        new(T1.AddMilliseconds(-1), Channel.InApp, "account.alert", "feed", Outcome.Sent, 50),
        new(T0.AddMinutes(10), Channel.InApp, "account.alert", null, Outcome.Queued),
        new(T0.AddMinutes(11), Channel.InApp, "account.alert", null, Outcome.Sending),
        new(T0.AddMilliseconds(-1), Channel.Email, "order.shipped", "sendgrid", Outcome.Sent, 5, DeliveryStatus.Delivered),
        new(T1, Channel.Sms, "order.shipped", "twilio", Outcome.Sent, 7, DeliveryStatus.Delivered),
    ];

    private static DeliveryCounts Counts(long total, long queued = 0, long inFlight = 0, long sent = 0, long delivered = 0, long opened = 0, long clicked = 0,
        long bounced = 0, long failed = 0, long dead = 0, long suppressed = 0) =>
        new(total, queued, inFlight, sent, delivered, opened, clicked, bounced, failed, dead, suppressed, 0);

    [Fact]
    public async Task SummarizeAsync_LifecycleEventDeliveries_LeftOut()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var s = await OpenAsync();
        await SeedAllAsync(s,
        [
            new(T0, Channel.Webhook, "delivery.sent", "webhook", Outcome.Sent, 10) { Recipient = "_ops" },
            new(T0.AddMinutes(1), Channel.Webhook, "order.shipped", "webhook", Outcome.Sent, 20),
        ], cts.Token);

        var summary = await s.Analytics.SummarizeAsync(Environments.Default, T0, T1, AnalyticsGrouping.EventType, cts.Token);

        summary.Groups.Select(g => g.Key).ShouldBe(["order.shipped"]);
        summary.Total.Counts.Total.ShouldBe(1);
    }

    [Fact]
    public async Task SummarizeAsync_ByChannel_CountsRatesAndPercentilesPerChannelAndTotal()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var s = await OpenAsync();
        await SeedAllAsync(s, Mixed(), cts.Token);

        var summary = await s.Analytics.SummarizeAsync(Environments.Default, T0, T1, AnalyticsGrouping.Channel, cts.Token);

        summary.Groups.Select(g => g.Key).ShouldBe(["email", "in_app", "sms"]);
        var email = summary.Groups[0];
        email.Counts.ShouldBe(Counts(5, sent: 4, delivered: 3, opened: 2, clicked: 1, bounced: 1, failed: 1));
        email.LatencyMs.ShouldBe(new LatencyPercentiles(200, 400, 400));
        DeliveryRates.Of(email.Counts).ShouldBe(new DeliveryRates(0.75, 2.0 / 3, 1.0 / 3, 0.25, 0.2));
        var inApp = summary.Groups[1];
        inApp.Counts.ShouldBe(Counts(3, queued: 1, inFlight: 1, sent: 1));
        inApp.LatencyMs.ShouldBe(new LatencyPercentiles(50, 50, 50));
        DeliveryRates.Of(inApp.Counts).ShouldBe(new DeliveryRates(0, null, null, 0, 0));
        var sms = summary.Groups[2];
        sms.Counts.ShouldBe(Counts(5, sent: 3, delivered: 1, failed: 1, dead: 1, suppressed: 1));
        sms.LatencyMs.ShouldBe(new LatencyPercentiles(2000, 3000, 3000));
        DeliveryRates.Of(sms.Counts).ShouldBe(new DeliveryRates(1.0 / 3, 0, 0, 0, 0.4));
        summary.Total.Key.ShouldBeNull();
        summary.Total.Counts.ShouldBe(Counts(13, queued: 1, inFlight: 1, sent: 8, delivered: 4, opened: 2, clicked: 1, bounced: 1, failed: 2, dead: 1, suppressed: 1));
        summary.Total.LatencyMs.ShouldBe(new LatencyPercentiles(300, 3000, 3000));
    }

    [Fact]
    public async Task SummarizeAsync_ByProvider_GroupsWithoutAProviderLast()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var s = await OpenAsync();
        await SeedAllAsync(s, Mixed(), cts.Token);

        var summary = await s.Analytics.SummarizeAsync(Environments.Default, T0, T1, AnalyticsGrouping.Provider, cts.Token);

        summary.Groups.Select(g => (g.Key, g.Counts.Total, g.Counts.Sent)).ShouldBe([("feed", 1L, 1L), ("sendgrid", 5L, 4L), ("twilio", 4L, 3L), (null, 3L, 0L)]);
        summary.Groups[^1].LatencyMs.ShouldBe(new LatencyPercentiles(null, null, null));
        summary.Groups[2].Counts.ShouldBe(Counts(4, sent: 3, delivered: 1, failed: 1, dead: 1));
        summary.Total.Counts.Total.ShouldBe(13);
    }

    [Fact]
    public async Task SummarizeAsync_ByEventType_GroupsPerEventType()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var s = await OpenAsync();
        await SeedAllAsync(s, Mixed(), cts.Token);

        var summary = await s.Analytics.SummarizeAsync(Environments.Default, T0, T1, AnalyticsGrouping.EventType, cts.Token);

        summary.Groups.Select(g => (g.Key, g.Counts.Total)).ShouldBe([("account.alert", 3L), ("order.shipped", 10L)]);
        // order.shipped sent 100, 200, 300, 400, 1000, 2000, 3000 ms: ranks ⌈3.5⌉ = 4, ⌈6.65⌉ = 7, ⌈6.93⌉ = 7.
        summary.Groups[1].LatencyMs.ShouldBe(new LatencyPercentiles(400, 3000, 3000));
    }

    [Fact]
    public async Task SummarizeAsync_WindowEdges_FromInclusiveToExclusiveByAcceptance()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var s = await OpenAsync();
        await SeedAllAsync(s, [
            new(T0.AddMilliseconds(-1), Channel.Sms, "e", "p", Outcome.Sent, 1),
            new(T0, Channel.Sms, "e", "p", Outcome.Sent, 2),
            new(T1.AddMilliseconds(-1), Channel.Sms, "e", "p", Outcome.Sent, 3),
            new(T1, Channel.Sms, "e", "p", Outcome.Sent, 4),
        ], cts.Token);

        async Task<LatencyPercentiles> Window(DateTimeOffset from, DateTimeOffset to) =>
            (await s.Analytics.SummarizeAsync(Environments.Default, from, to, AnalyticsGrouping.Channel, cts.Token)).Total.LatencyMs;

        // Each row's latency names it, so the p50/p99 pair shows which rows a window took.
        (await Window(T0, T1)).ShouldBe(new LatencyPercentiles(2, 3, 3));
        (await Window(T0.AddMilliseconds(-1), T1)).ShouldBe(new LatencyPercentiles(2, 3, 3));
        (await Window(T0.AddMilliseconds(-1), T1.AddMilliseconds(1))).ShouldBe(new LatencyPercentiles(2, 4, 4));
        (await Window(T0.AddMilliseconds(1), T1)).ShouldBe(new LatencyPercentiles(3, 3, 3));
        (await s.Analytics.SummarizeAsync(Environments.Default, T0.AddMilliseconds(-2), T0.AddMilliseconds(1), AnalyticsGrouping.Channel, cts.Token)).Total.Counts.Total.ShouldBe(2);
    }

    [Fact]
    public async Task SummarizeAsync_TwentyLatencies_NearestRankPercentiles()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var s = await OpenAsync();
        // Latencies 10, 20, ..., 200 ms, seeded out of order: nearest rank ⌈p·20/100⌉ is 10, 19 and 20.
        await SeedAllAsync(s, Enumerable.Range(1, 20).Select(i => new Seed(T0.AddSeconds(i), Channel.Push, "e", "fcm", Outcome.Sent, (21 - i) * 10)), cts.Token);

        var summary = await s.Analytics.SummarizeAsync(Environments.Default, T0, T1, AnalyticsGrouping.Channel, cts.Token);

        summary.Groups.ShouldHaveSingleItem().LatencyMs.ShouldBe(new LatencyPercentiles(100, 190, 200));
        summary.Total.LatencyMs.ShouldBe(new LatencyPercentiles(100, 190, 200));
    }

    [Fact]
    public async Task SummarizeAsync_EmptyWindow_ZeroCountsNullRatesNoGroups()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var s = await OpenAsync();
        await SeedAllAsync(s, Mixed(), cts.Token);

        var summary = await s.Analytics.SummarizeAsync(Environments.Default, T1.AddHours(1), T1.AddHours(2), AnalyticsGrouping.Channel, cts.Token);

        summary.Groups.ShouldBeEmpty();
        summary.Total.Counts.ShouldBe(Counts(0));
        summary.Total.LatencyMs.ShouldBe(new LatencyPercentiles(null, null, null));
        DeliveryRates.Of(summary.Total.Counts).ShouldBe(new DeliveryRates(null, null, null, null, null));
    }
}

public sealed class SqliteAnalyticsTests : AnalyticsContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresAnalyticsTests : AnalyticsContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
