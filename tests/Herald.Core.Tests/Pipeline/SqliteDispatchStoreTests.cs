using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Pipeline;

/// <summary>The dispatch port against the real SQLite store (claims, leases, completions, DLQ replay).</summary>
public sealed class SqliteDispatchStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    // An explicit SMS limit (3/1h), so the rate-limit test does not move with the defaults.
    private readonly DeliveryGate _gate = new(Options.Create(new PipelineOptions { RateLimits = new(StringComparer.Ordinal) { ["sms"] = "3/1h" } }));
    private TempSqliteStore _temp = null!;

    private Herald.Storage.Sqlite.SqliteStore Store => _temp.Store;

    public async Task InitializeAsync() => _temp = await TempSqliteStore.CreateAsync();

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    [Fact]
    public async Task ClaimDueAsync_TwoOwnersRace_EachDeliveryClaimedOnce()
    {
        var all = Enumerable.Range(0, 20).Select(i => TempSqliteStore.Delivery($"dlv_{i:00}", "ntf_1", Now, recipient: $"u{i}")).ToList();
        await SeedAsync("ntf_1", all);

        var a = Task.Run(() => Store.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 15, _gate, CancellationToken.None));
        var b = Task.Run(() => Store.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-b", 15, _gate, CancellationToken.None));
        var results = await Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(30));

        var idsA = results[0].Select(d => d.Id).ToList();
        var idsB = results[1].Select(d => d.Id).ToList();
        idsA.Intersect(idsB).ShouldBeEmpty();
        idsA.Concat(idsB).Order().ShouldBe(all.Select(d => d.Id).Order());
        (idsA.Count + idsB.Count).ShouldBe(20);
        results.SelectMany(r => r).ShouldAllBe(d => d.Status == DeliveryStatus.Sending && d.Attempts == 1);

        var again = await Store.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-c", 50, _gate, CancellationToken.None);
        again.ShouldBeEmpty();
    }

    [Fact]
    public async Task ClaimDueAsync_NotYetDueOrOtherLane_NotClaimed()
    {
        var due = TempSqliteStore.Delivery("dlv_due", "ntf_1", Now);
        var later = TempSqliteStore.Delivery("dlv_later", "ntf_1", Now) with { DueAt = Now.AddMinutes(5) };
        var email = TempSqliteStore.Delivery("dlv_email", "ntf_1", Now, Channel.Email);
        await SeedAsync("ntf_1", [due, later, email]);

        var claimed = await Store.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, CancellationToken.None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_due"]);
        (await Store.GetDeliveryAsync("dlv_later", CancellationToken.None))!.Status.ShouldBe(DeliveryStatus.Queued);
        (await Store.GetDeliveryAsync("dlv_email", CancellationToken.None))!.Status.ShouldBe(DeliveryStatus.Queued);
    }

    [Fact]
    public async Task ClaimDueAsync_FourthSmsToOneUserInOneBatch_DeferredByRateLimit()
    {
        var all = Enumerable.Range(0, 4).Select(i => TempSqliteStore.Delivery($"dlv_{i}", "ntf_1", Now.AddMilliseconds(i))).ToList();
        await SeedAsync("ntf_1", all);
        var at = Now.AddSeconds(1);

        var claimed = await Store.ClaimDueAsync(Channel.Sms, Priority.Normal, at, at + Lease, "lane-a", 10, _gate, CancellationToken.None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_0", "dlv_1", "dlv_2"]);
        var deferred = await Store.GetDeliveryAsync("dlv_3", CancellationToken.None);
        deferred!.Status.ShouldBe(DeliveryStatus.Deferred);
        deferred.DueAt.ShouldBe(at.AddHours(1));
        var trace = await Store.GetTraceAsync("ntf_1", CancellationToken.None);
        trace.ShouldContain(t => t.Decision == "deferred" && t.Stage == "gate" && t.Reason.StartsWith("rate limited (3 per 01:00:00)"));
    }

    [Fact]
    public async Task CompleteAsync_StaleOwner_ReturnsFalseAndChangesNothing()
    {
        await SeedAsync("ntf_1", [TempSqliteStore.Delivery("dlv_1", "ntf_1", Now)]);
        var claimed = await Store.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, CancellationToken.None);
        var traceBefore = await Store.GetTraceAsync("ntf_1", CancellationToken.None);

        var applied = await Store.CompleteAsync([Sent(claimed[0], "lane-b")], Now.AddSeconds(1), CancellationToken.None);

        applied.ShouldBe([false]);
        var after = await Store.GetDeliveryAsync("dlv_1", CancellationToken.None);
        after!.Status.ShouldBe(DeliveryStatus.Sending);
        after.SentAt.ShouldBeNull();
        after.Provider.ShouldBeNull();
        after.UpdatedAt.ShouldBe(Now);
        (await Store.GetTraceAsync("ntf_1", CancellationToken.None)).Count.ShouldBe(traceBefore.Count);
        (await Store.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
    }

    [Fact]
    public async Task CompleteAsync_CurrentOwner_AppliesAndCompletesNotification()
    {
        await SeedAsync("ntf_1", [TempSqliteStore.Delivery("dlv_1", "ntf_1", Now)]);
        var claimed = await Store.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, CancellationToken.None);

        var applied = await Store.CompleteAsync([Sent(claimed[0], "lane-a")], Now.AddSeconds(1), CancellationToken.None);

        applied.ShouldBe([true]);
        var after = await Store.GetDeliveryAsync("dlv_1", CancellationToken.None);
        after!.Status.ShouldBe(DeliveryStatus.Sent);
        after.SentAt.ShouldBe(Now.AddSeconds(1));
        after.Provider.ShouldBe("capture");
        (await Store.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Completed);
        (await Store.CompleteAsync([Sent(claimed[0], "lane-a")], Now.AddSeconds(2), CancellationToken.None)).ShouldBe([false]);
    }

    [Fact]
    public async Task ClaimExpiredSendingAsync_TakesOnlyExpiredLeases()
    {
        await SeedAsync("ntf_1", [TempSqliteStore.Delivery("dlv_short", "ntf_1", Now), TempSqliteStore.Delivery("dlv_long", "ntf_1", Now, Channel.Email)]);
        await Store.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now.AddSeconds(10), "lane-a", 10, _gate, CancellationToken.None);
        await Store.ClaimDueAsync(Channel.Email, Priority.Normal, Now, Now.AddSeconds(60), "lane-a", 10, _gate, CancellationToken.None);
        var at = Now.AddSeconds(30);

        var expired = await Store.ClaimExpiredSendingAsync(at, at + Lease, "sweeper", 10, CancellationToken.None);

        expired.Select(d => d.Id).ShouldBe(["dlv_short"]);
        expired[0].Status.ShouldBe(DeliveryStatus.Unknown);
        (await Store.GetDeliveryAsync("dlv_long", CancellationToken.None))!.Status.ShouldBe(DeliveryStatus.Sending);
        (await Store.ClaimExpiredSendingAsync(at, at + Lease, "sweeper-2", 10, CancellationToken.None)).ShouldBeEmpty();

        // The lane whose lease expired has lost the delivery; the sweeper now owns it.
        var short1 = expired[0];
        (await Store.CompleteAsync([Sent(short1, "lane-a")], at, CancellationToken.None)).ShouldBe([false]);
        (await Store.CompleteAsync([Sent(short1, "sweeper")], at, CancellationToken.None)).ShouldBe([true]);
    }

    [Fact]
    public async Task ReplayDeadAsync_SentDelivery_RefusedAndUnchanged()
    {
        await SeedAsync("ntf_1", [TempSqliteStore.Delivery("dlv_1", "ntf_1", Now)]);
        var claimed = await Store.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, CancellationToken.None);
        await Store.CompleteAsync([Sent(claimed[0], "lane-a")], Now, CancellationToken.None);

        var replayed = await Store.ReplayDeadAsync("dlv_1", Now.AddMinutes(1), CancellationToken.None);

        replayed.ShouldBeFalse();
        var after = await Store.GetDeliveryAsync("dlv_1", CancellationToken.None);
        after!.Status.ShouldBe(DeliveryStatus.Sent);
        after.DueAt.ShouldBe(Now);
    }

    [Fact]
    public async Task ReplayDeadAsync_DeadDelivery_QueuedAgainAndDue()
    {
        await SeedAsync("ntf_1", [TempSqliteStore.Delivery("dlv_1", "ntf_1", Now)]);
        var claimed = await Store.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, CancellationToken.None);
        var dead = Sent(claimed[0], "lane-a") with { Status = DeliveryStatus.Dead, LastError = "rejected", Outcome = "rejected" };
        await Store.CompleteAsync([dead], Now, CancellationToken.None);
        (await Store.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Completed);

        var replayed = await Store.ReplayDeadAsync("dlv_1", Now.AddMinutes(1), CancellationToken.None);

        replayed.ShouldBeTrue();
        var after = await Store.GetDeliveryAsync("dlv_1", CancellationToken.None);
        after!.Status.ShouldBe(DeliveryStatus.Queued);
        after.DueAt.ShouldBe(Now.AddMinutes(1));
        after.LastError.ShouldBeNull();
        (await Store.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await Store.ReplayDeadAsync("dlv_1", Now.AddMinutes(2), CancellationToken.None)).ShouldBeFalse();
    }

    private async Task SeedAsync(string notificationId, IReadOnlyList<Delivery> deliveries)
    {
        var store = _temp.Store;
        await store.AcceptAsync([new IngestItem([TempSqliteStore.Notification(notificationId, Now)], null)], Now, CancellationToken.None);
        var planning = await store.ClaimForPlanningAsync(Priority.Normal, Now, Now + Lease, 10, CancellationToken.None);
        planning.Select(n => n.Id).ShouldBe([notificationId]);
        await store.CompletePlanningAsync([new PlanResult(notificationId, deliveries, [], NotificationStatus.Processing)], Now, CancellationToken.None);
    }

    private static DeliveryCompletion Sent(Delivery d, string owner) =>
        new(d.Id, d.NotificationId, owner, DeliveryStatus.Sent, null, "capture", null, "sent", "pm-1", Now, Now,
            [new TraceEntry(d.NotificationId, Now, "dispatch", d.Channel.ToWire(), "sent", "sent via capture")]);
}
