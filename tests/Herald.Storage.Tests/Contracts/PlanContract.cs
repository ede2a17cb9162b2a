using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static Herald.Storage.Tests.Contracts.NotificationSamples;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Planning: claims with a lease, conditional completion, expired leases, fallback deliveries.</summary>
public abstract class PlanContract
{
    protected abstract Task<StoreHandle> OpenAsync();

    private static Task<IReadOnlyList<bool>> AcceptAsync(StoreHandle s, params Notification[] notifications) =>
        s.Ingest.AcceptAsync([new IngestItem(notifications, null)], Now, CancellationToken.None);

    private static Task<IReadOnlyList<Notification>> ClaimAsync(StoreHandle s, DateTimeOffset at, int limit = 10, Priority priority = Priority.Normal) =>
        s.Plans.ClaimForPlanningAsync(priority, at, at + Lease, limit, CancellationToken.None);

    [Fact]
    public async Task ClaimForPlanningAsync_DueInLane_ClaimedAndLeased()
    {
        await using var s = await OpenAsync();
        await AcceptAsync(s,
            Notification("ntf_a", due: Now.AddSeconds(-1)),
            Notification("ntf_b", due: Now.AddSeconds(-5), status: NotificationStatus.Scheduled),
            Notification("ntf_c", due: Now.AddSeconds(1)),
            Notification("ntf_d", priority: Priority.Urgent),
            Notification("ntf_e", due: Now.AddSeconds(-9), status: NotificationStatus.Processing));

        var claimed = await ClaimAsync(s, Now);

        claimed.Select(n => n.Id).Order().ShouldBe(["ntf_a", "ntf_b"]);
        claimed.ShouldAllBe(n => n.Status == NotificationStatus.Planning);
        (await s.Queries.GetNotificationAsync("ntf_a", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Planning);
        (await s.Queries.GetNotificationAsync("ntf_c", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Accepted);
        (await s.Queries.GetNotificationAsync("ntf_d", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Accepted);
        (await ClaimAsync(s, Now)).ShouldBeEmpty();
        (await ClaimAsync(s, Now, priority: Priority.Urgent)).Select(n => n.Id).ShouldBe(["ntf_d"]);
    }

    [Fact]
    public async Task ClaimForPlanningAsync_Limit_TakesOldestDueFirst()
    {
        await using var s = await OpenAsync();
        await AcceptAsync(s, [.. Enumerable.Range(0, 5).Select(i => Notification($"ntf_{i}", due: Now.AddSeconds(-i)))]);

        var first = await ClaimAsync(s, Now, limit: 3);
        var rest = await ClaimAsync(s, Now, limit: 3);

        first.Select(n => n.Id).Order().ShouldBe(["ntf_2", "ntf_3", "ntf_4"]);
        rest.Select(n => n.Id).Order().ShouldBe(["ntf_0", "ntf_1"]);
    }

    [Fact]
    public async Task ClaimForPlanningAsync_ConcurrentClaims_NeverShareANotification()
    {
        await using var s = await OpenAsync();
        await AcceptAsync(s, [.. Enumerable.Range(0, 40).Select(i => Notification($"ntf_{i:00}", due: Now.AddMilliseconds(-i)))]);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => ClaimAsync(s, Now, limit: 15)))).WaitAsync(TimeSpan.FromSeconds(30));

        var ids = results.SelectMany(r => r.Select(n => n.Id)).ToList();
        ids.Count.ShouldBe(ids.Distinct().Count());
        ids.Order().ShouldBe(Enumerable.Range(0, 40).Select(i => $"ntf_{i:00}"));
        (await ClaimAsync(s, Now)).ShouldBeEmpty();
    }

    [Fact]
    public async Task TraceParent_AcceptedAndPlanned_RoundTripsOnNotificationAndDeliveries()
    {
        const string accepted = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        const string planned = "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01";
        await using var s = await OpenAsync();
        await AcceptAsync(s, Notification("ntf_t") with { TraceParent = accepted }, Notification("ntf_u"));

        var claimed = await ClaimAsync(s, Now);
        await s.Plans.CompletePlanningAsync(
            [new PlanResult("ntf_t", [Delivery("dlv_t", "ntf_t") with { TraceParent = planned }], [Trace("ntf_t", "planned")], NotificationStatus.Processing)],
            Now, CancellationToken.None);

        claimed.Single(n => n.Id == "ntf_t").TraceParent.ShouldBe(accepted);
        claimed.Single(n => n.Id == "ntf_u").TraceParent.ShouldBeNull();
        (await s.Queries.GetNotificationAsync("ntf_t", CancellationToken.None))!.TraceParent.ShouldBe(accepted);
        (await s.Queries.GetDeliveriesAsync("ntf_t", CancellationToken.None)).ShouldHaveSingleItem().TraceParent.ShouldBe(planned);
    }

    [Fact]
    public async Task CompletePlanningAsync_WritesDeliveriesTraceAndStatus()
    {
        await using var s = await OpenAsync();
        await AcceptAsync(s, Notification("ntf_1"), Notification("ntf_2"));
        await ClaimAsync(s, Now);
        var sms = Delivery("dlv_1", "ntf_1") with { Platform = null, TargetRef = "phone", Provider = "capture" };
        var push = Delivery("dlv_2", "ntf_1", Channel.Push) with { Platform = "ios" };
        var at = Now.AddSeconds(2);

        await s.Plans.CompletePlanningAsync(
        [
            new PlanResult("ntf_1", [sms, push], [Trace("ntf_1", "planned", "two channels"), Trace("ntf_1", "skipped", "email opted out")], NotificationStatus.Processing),
            new PlanResult("ntf_2", [], [Trace("ntf_2", "nothing", "no channel")], NotificationStatus.Completed),
        ], at, CancellationToken.None);

        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Queries.GetNotificationAsync("ntf_2", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Completed);
        (await s.Queries.GetDeliveriesAsync("ntf_1", CancellationToken.None)).ShouldBe([sms, push]);
        (await s.Queries.GetTraceAsync("ntf_1", CancellationToken.None)).Select(t => t.Reason).ShouldBe(["two channels", "email opted out"]);
        (await s.Queries.GetTraceAsync("ntf_2", CancellationToken.None)).ShouldBe([Trace("ntf_2", "nothing", "no channel")]);
        (await ClaimAsync(s, at.AddMinutes(5))).ShouldBeEmpty();
        (await s.Plans.ReleaseExpiredPlanningAsync(at.AddMinutes(5), CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task CompletePlanningAsync_NotPlanningAnyMore_PlanDropped()
    {
        await using var s = await OpenAsync();
        await AcceptAsync(s, Notification("ntf_1", due: Now.AddSeconds(-3)), Notification("ntf_2", due: Now.AddSeconds(-2)), Notification("ntf_3", due: Now.AddSeconds(-1)));
        (await ClaimAsync(s, Now, limit: 2)).Select(n => n.Id).Order().ShouldBe(["ntf_1", "ntf_2"]);
        (await s.Queries.CancelNotificationAsync("ntf_1", Now, CancellationToken.None)).ShouldBe(true);

        await s.Plans.CompletePlanningAsync(
        [
            new PlanResult("ntf_1", [Delivery("dlv_1", "ntf_1")], [Trace("ntf_1", "planned")], NotificationStatus.Processing),
            new PlanResult("ntf_2", [Delivery("dlv_2", "ntf_2")], [Trace("ntf_2", "planned")], NotificationStatus.Processing),
            new PlanResult("ntf_3", [Delivery("dlv_3", "ntf_3")], [Trace("ntf_3", "planned")], NotificationStatus.Processing),
        ], Now, CancellationToken.None);

        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Cancelled);
        (await s.Queries.GetDeliveriesAsync("ntf_1", CancellationToken.None)).ShouldBeEmpty();
        (await s.Queries.GetTraceAsync("ntf_1", CancellationToken.None)).ShouldHaveSingleItem().Decision.ShouldBe("cancelled");
        (await s.Queries.GetNotificationAsync("ntf_2", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Queries.GetDeliveriesAsync("ntf_2", CancellationToken.None)).ShouldHaveSingleItem();
        (await s.Queries.GetNotificationAsync("ntf_3", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Accepted);
        (await s.Queries.GetDeliveriesAsync("ntf_3", CancellationToken.None)).ShouldBeEmpty();
        (await s.Queries.GetTraceAsync("ntf_3", CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ReleaseExpiredPlanningAsync_OnlyExpiredLeasesReturnToQueue()
    {
        await using var s = await OpenAsync();
        await AcceptAsync(s, Notification("ntf_1"), Notification("ntf_2", due: Now.AddSeconds(10)));
        await ClaimAsync(s, Now);
        await ClaimAsync(s, Now.AddSeconds(10));

        (await s.Plans.ReleaseExpiredPlanningAsync(Now + Lease, CancellationToken.None)).ShouldBe(0);
        var released = await s.Plans.ReleaseExpiredPlanningAsync(Now + Lease + TimeSpan.FromMilliseconds(1), CancellationToken.None);

        released.ShouldBe(1);
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Accepted);
        (await s.Queries.GetNotificationAsync("ntf_2", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Planning);
        (await ClaimAsync(s, Now.AddMinutes(1))).Select(n => n.Id).ShouldBe(["ntf_1"]);
    }

    [Fact]
    public async Task ReleaseExpiredPlanningAsync_LateCompletionOfReleasedLease_StillApplies()
    {
        // The plan store keeps no lease owner: whoever completes while the notification is planning wins.
        await using var s = await OpenAsync();
        await AcceptAsync(s, Notification("ntf_1"));
        await ClaimAsync(s, Now);
        await s.Plans.ReleaseExpiredPlanningAsync(Now.AddMinutes(1), CancellationToken.None);

        await s.Plans.CompletePlanningAsync([new PlanResult("ntf_1", [Delivery("dlv_1", "ntf_1")], [], NotificationStatus.Processing)], Now.AddMinutes(1), CancellationToken.None);

        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Accepted);
        (await s.Queries.GetDeliveriesAsync("ntf_1", CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AddDeliveriesAsync_CompletedNotification_AddsFallbackAndReopens()
    {
        await using var s = await OpenAsync();
        await SeedPlannedAsync(s, "ntf_1", [Delivery("dlv_1", "ntf_1", status: DeliveryStatus.Failed)], NotificationStatus.Completed);
        var fallback = Delivery("dlv_2", "ntf_1", Channel.Email) with { CreatedAt = Now.AddMinutes(1), UpdatedAt = Now.AddMinutes(1) };

        await s.Plans.AddDeliveriesAsync("ntf_1", [fallback], [Trace("ntf_1", "fallback", "sms failed")], Now.AddMinutes(1), CancellationToken.None);

        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Queries.GetDeliveriesAsync("ntf_1", CancellationToken.None)).Select(d => d.Id).ShouldBe(["dlv_1", "dlv_2"]);
        (await s.Queries.GetDeliveryAsync("dlv_2", CancellationToken.None)).ShouldBe(fallback);
        (await s.Queries.GetTraceAsync("ntf_1", CancellationToken.None)).Select(t => t.Decision).ShouldBe(["planned", "fallback"]);
    }

    [Fact]
    public async Task AddDeliveriesAsync_ExistingDeliveryOrTarget_Ignored()
    {
        await using var s = await OpenAsync();
        var original = Delivery("dlv_1", "ntf_1", Channel.Email, target: "a@example.com");
        await SeedPlannedAsync(s, "ntf_1", [original]);

        await s.Plans.AddDeliveriesAsync("ntf_1",
        [
            Delivery("dlv_1", "ntf_1", Channel.Sms, target: "+1555"),
            Delivery("dlv_2", "ntf_1", Channel.Email, target: "a@example.com"),
            Delivery("dlv_3", "ntf_1", Channel.Email, target: "b@example.com"),
            Delivery("dlv_4", "ntf_1", Channel.Email, target: "b@example.com"),
        ], [], Now, CancellationToken.None);

        var deliveries = await s.Queries.GetDeliveriesAsync("ntf_1", CancellationToken.None);
        deliveries.Select(d => (d.Id, d.Channel, d.Target)).ShouldBe([("dlv_1", Channel.Email, "a@example.com"), ("dlv_3", Channel.Email, "b@example.com")]);
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
    }

    [Fact]
    public async Task PlanDueAsync_DueInPriority_PlannedAndWritten()
    {
        await using var s = await OpenAsync();
        await AcceptAsync(s,
            Notification("ntf_a", due: Now.AddSeconds(-1)),
            Notification("ntf_b", due: Now.AddSeconds(-5), status: NotificationStatus.Scheduled),
            Notification("ntf_c", due: Now.AddSeconds(1)),
            Notification("ntf_d", priority: Priority.Urgent));
        var seen = new List<string>();

        var round = await s.Plans.PlanDueAsync(Priority.Normal, Now, Now + Lease, 10, (batch, _) =>
        {
            seen.AddRange(batch.Select(n => n.Id));
            return Task.FromResult<IReadOnlyList<PlanResult>>([.. batch.Select(n => OneDelivery(n.Id))]);
        }, new FakeTimeProvider(Now), CancellationToken.None);

        seen.Order().ShouldBe(["ntf_a", "ntf_b"]);
        round.Results.Select(r => r.NotificationId).ShouldBe(seen);
        round.Written.ShouldBe([true, true]);
        foreach (var id in new[] { "ntf_a", "ntf_b" })
        {
            (await s.Queries.GetNotificationAsync(id, CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
            (await s.Queries.GetDeliveriesAsync(id, CancellationToken.None)).Select(d => d.Id).ShouldBe(["dlv_" + id]);
        }

        (await s.Queries.GetNotificationAsync("ntf_c", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Accepted);
        (await s.Queries.GetNotificationAsync("ntf_d", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Accepted);
        (await PlanAllAsync(s, Now)).ShouldBeEmpty();
        (await PlanAllAsync(s, Now, Priority.Urgent)).ShouldBe(["ntf_d"]);
    }

    [Fact]
    public async Task PlanDueAsync_ConcurrentRounds_NeverPlanANotificationTwice()
    {
        await using var s = await OpenAsync();
        await AcceptAsync(s, [.. Enumerable.Range(0, 40).Select(i => Notification($"ntf_{i:00}", due: Now.AddMilliseconds(-i)))]);

        var rounds = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PlanAllAsync(s, Now, limit: 7, delay: TimeSpan.FromMilliseconds(30)))))
            .WaitAsync(TimeSpan.FromSeconds(60));

        var ids = rounds.SelectMany(r => r).ToList();
        ids.Count.ShouldBe(ids.Distinct().Count());
        ids.Order().ShouldBe(Enumerable.Range(0, 40).Select(i => $"ntf_{i:00}"));
        rounds.Count(r => r.Count > 0).ShouldBeGreaterThan(1, "the rounds ran side by side");
        (await s.Queries.GetDeliveriesAsync("ntf_17", CancellationToken.None)).Select(d => d.Id).ShouldBe(["dlv_ntf_17"]);
    }

    [Fact]
    public async Task PlanDueAsync_OnePlanTheStoreRefuses_OthersWrittenAndItFails()
    {
        await using var s = await OpenAsync();
        await AcceptAsync(s, Notification("ntf_a", due: Now.AddSeconds(-3)), Notification("ntf_b", due: Now.AddSeconds(-2)), Notification("ntf_c", due: Now.AddSeconds(-1)));

        var round = await s.Plans.PlanDueAsync(Priority.Normal, Now, Now + Lease, 10, (batch, _) =>
            Task.FromResult<IReadOnlyList<PlanResult>>([.. batch.Select(n => n.Id == "ntf_b" ? OneDelivery(n.Id) with { Trace = [Trace(n.Id, "planned") with { Reason = null! }] } : OneDelivery(n.Id))]),
            new FakeTimeProvider(Now), CancellationToken.None);

        round.Results.Select(r => r.NotificationId).ShouldBe(["ntf_a", "ntf_b", "ntf_c"]);
        round.Written.ShouldBe([true, false, true]);
        round.Written.RefusalOf(1).ShouldNotBeNullOrWhiteSpace();
        (await s.Queries.GetNotificationAsync("ntf_a", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Queries.GetNotificationAsync("ntf_c", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Queries.GetNotificationAsync("ntf_b", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Failed);
        (await s.Queries.GetDeliveriesAsync("ntf_b", CancellationToken.None)).ShouldBeEmpty();
        (await PlanAllAsync(s, Now.AddHours(1))).ShouldBeEmpty();
    }

    private static PlanResult OneDelivery(string notificationId) =>
        new(notificationId, [Delivery("dlv_" + notificationId, notificationId)], [Trace(notificationId, "planned")], NotificationStatus.Processing);

    /// <summary>Plan rounds until one finds nothing due; the ids planned, in order.</summary>
    private static async Task<List<string>> PlanAllAsync(StoreHandle s, DateTimeOffset at, Priority priority = Priority.Normal, int limit = 10, TimeSpan delay = default)
    {
        var planned = new List<string>();
        while (true)
        {
            var round = await s.Plans.PlanDueAsync(priority, at, at + Lease, limit, async (batch, ct) =>
            {
                await Task.Delay(delay, ct);
                return [.. batch.Select(n => OneDelivery(n.Id))];
            }, new FakeTimeProvider(at), CancellationToken.None);
            if (round.Results.Count == 0)
            {
                return planned;
            }

            round.Written.ShouldAllBe(w => w);
            planned.AddRange(round.Results.Select(r => r.NotificationId));
        }
    }

    [Fact]
    public async Task AddDeliveriesAsync_CancelledNotification_StatusUnchanged()
    {
        await using var s = await OpenAsync();
        await AcceptAsync(s, Notification("ntf_1"));
        await s.Queries.CancelNotificationAsync("ntf_1", Now, CancellationToken.None);

        await s.Plans.AddDeliveriesAsync("ntf_1", [Delivery("dlv_1", "ntf_1")], [], Now, CancellationToken.None);

        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Cancelled);
    }
}

public sealed class SqlitePlanTests : PlanContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresPlanTests : PlanContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
