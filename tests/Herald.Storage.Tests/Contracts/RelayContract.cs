using System.Collections.Concurrent;
using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using Npgsql;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// The distributed mode's relay port (PostgreSQL only: the SQLite store does not implement it): the deliveries table as
/// the work transport's outbox, and the one-delivery claim a work message triggers.
/// </summary>
public sealed class PostgresRelayTests
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly TimeSpan Lease = DispatchSamples.Lease;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly IDispatchGate _gate = DispatchSamples.Gate();

    private static IWorkRelayStore Relay(StoreHandle s) => s.Port<IWorkRelayStore>();

    private static Delivery D(string id, string notificationId, DateTimeOffset? due = null, string recipient = "u1") =>
        DispatchSamples.Delivery(id, notificationId, due, recipient: recipient);

    /// <summary>Relays once per priority (urgent first) at <paramref name="at"/> and returns the ids handed to the publisher, in order.</summary>
    private static async Task<List<string>> RelayAsync(StoreHandle s, DateTimeOffset at, int limit = 100, int perLane = int.MaxValue)
    {
        var published = new List<string>();
        foreach (var priority in Enum.GetValues<Priority>())
        {
            var before = published.Count;
            var count = await Relay(s).RelayDueAsync(at, priority, limit, perLane, (ds, _) => { published.AddRange(ds.Select(d => d.Id)); return Task.CompletedTask; }, None);
            count.ShouldBe(published.Count - before);
        }

        return published;
    }

    [Fact]
    public async Task RelayDueAsync_DueDeliveries_PublishedOncePerDueTimeInDueOrder()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_b", "ntf_1", Now.AddSeconds(-1), "u1"), D("dlv_a", "ntf_1", Now.AddSeconds(-2), "u2"),
            D("dlv_later", "ntf_1", Now.AddMinutes(1), "u3")]);

        (await RelayAsync(s, Now)).ShouldBe(["dlv_a", "dlv_b"]);
        (await RelayAsync(s, Now)).ShouldBeEmpty();
        (await Relay(s).CountInFlightAsync(None)).ShouldBe(2);
        (await RelayAsync(s, Now.AddMinutes(1))).ShouldBe(["dlv_later"]);
        (await Relay(s).CountInFlightAsync(None)).ShouldBe(3);
    }

    [Fact]
    public async Task RelayDueAsync_LaneAtItsInFlightBound_OtherLanesStillPublished_UrgentFirst()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [
            DispatchSamples.Delivery("dlv_low1", "ntf_1", Now.AddSeconds(-9), Channel.InApp, "u1", Priority.Low),
            DispatchSamples.Delivery("dlv_low2", "ntf_1", Now.AddSeconds(-8), Channel.InApp, "u2", Priority.Low),
            DispatchSamples.Delivery("dlv_low3", "ntf_1", Now.AddSeconds(-7), Channel.InApp, "u3", Priority.Low),
            DispatchSamples.Delivery("dlv_urgent", "ntf_1", Now.AddSeconds(-1), Channel.InApp, "u4", Priority.Urgent)]);

        (await RelayAsync(s, Now, limit: 100, perLane: 2)).ShouldBe(["dlv_urgent", "dlv_low1", "dlv_low2"]);
        (await RelayAsync(s, Now, limit: 100, perLane: 2)).ShouldBeEmpty(); // the low lane is at its bound of 2
        (await Relay(s).CountInFlightAsync(None)).ShouldBe(3);
    }

    [Fact]
    public async Task RelayDueAsync_Limit_PublishesEarliestFirst()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_3", "ntf_1", Now.AddSeconds(-1), "u1"), D("dlv_1", "ntf_1", Now.AddSeconds(-3), "u2"),
            D("dlv_2", "ntf_1", Now.AddSeconds(-2), "u3")]);

        (await RelayAsync(s, Now, 2)).ShouldBe(["dlv_1", "dlv_2"]);
        (await RelayAsync(s, Now, 2)).ShouldBe(["dlv_3"]);
    }

    [Fact]
    public async Task RelayDueAsync_LowRoundStillConfirming_UrgentRoundPublishesMeanwhile()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [
            DispatchSamples.Delivery("dlv_low", "ntf_1", Now.AddSeconds(-9), Channel.InApp, "u1", Priority.Low),
            DispatchSamples.Delivery("dlv_urgent", "ntf_1", Now.AddSeconds(-1), Channel.InApp, "u2", Priority.Urgent)]);
        var publishing = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var low = Task.Run(() => Relay(s).RelayDueAsync(Now, Priority.Low, 10, int.MaxValue, async (ds, _) =>
        {
            ds.Select(d => d.Id).ShouldBe(["dlv_low"], "a round relays its own priority's lanes only");
            publishing.SetResult();
            await release.Task; // the broker's confirms of a campaign's round
        }, None));
        await publishing.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var urgent = new List<string>();
        (await Relay(s).RelayDueAsync(Now, Priority.Urgent, 10, int.MaxValue, (ds, _) => { urgent.AddRange(ds.Select(d => d.Id)); return Task.CompletedTask; }, None)
            .WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(1, "the urgent round neither waits for nor skips behind the low one");
        urgent.ShouldBe(["dlv_urgent"]);
        (await Relay(s).RelayDueAsync(Now, Priority.Low, 10, int.MaxValue, (_, _) => Task.CompletedTask, None)).ShouldBe(0, "a second low round skips while the first holds the low lanes");
        (await Relay(s).NextUnpublishedDueAsync(Now.AddSeconds(-20), Priority.Urgent, None)).ShouldBeNull("the urgent delivery is published");
        (await Relay(s).NextUnpublishedDueAsync(Now.AddSeconds(-20), Priority.Low, None)).ShouldBe(Now.AddSeconds(-9), "the low one is not yet");

        release.SetResult();
        (await low.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(1);
        (await Relay(s).CountInFlightAsync(None)).ShouldBe(2);
    }

    [Fact]
    public async Task RelayDueAsync_PublishThrows_MarksNothingAndPropagates()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);

        await Should.ThrowAsync<InvalidOperationException>(() =>
            Relay(s).RelayDueAsync(Now, Priority.Normal, 10, int.MaxValue, (_, _) => throw new InvalidOperationException("broker down"), None));

        (await Relay(s).CountInFlightAsync(None)).ShouldBe(0);
        (await RelayAsync(s, Now)).ShouldBe(["dlv_1"]);
    }

    [Fact]
    public async Task RelayDueAsync_ConcurrentRelays_NeverPublishTheSameRowTwice()
    {
        await using var s = await Stores.PostgresAsync();
        var all = Enumerable.Range(0, 40).Select(i => D($"dlv_{i:00}", "ntf_1", Now.AddMilliseconds(-i), $"u{i}")).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);
        var published = new ConcurrentBag<string>();

        async Task RelayLoopAsync()
        {
            // Only one relay round runs at a time cluster-wide (the others skip theirs), so loop until the work is done,
            // bounded by time, not by a number of rounds: skipped rounds are fast, and a busy machine ran out of them.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (published.Count < 40 && DateTime.UtcNow < deadline)
            {
                await Relay(s).RelayDueAsync(Now, Priority.Normal, 3, int.MaxValue, async (ds, ct) =>
                {
                    await Task.Delay(10, ct); // the broker's confirm: other relays run meanwhile
                    foreach (var d in ds)
                    {
                        published.Add(d.Id);
                    }
                }, None);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(RelayLoopAsync))).WaitAsync(TimeSpan.FromSeconds(60));

        published.Count.ShouldBe(40);
        published.Distinct().Count().ShouldBe(40);
        (await Relay(s).CountInFlightAsync(None)).ShouldBe(40);
    }

    [Fact]
    public async Task RelayDueAsync_DeferredByGate_PublishableAgainAtNewDueTime()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        (await RelayAsync(s, Now)).ShouldBe(["dlv_1"]);
        var quiet = DispatchSamples.Gate(new Dictionary<string, string> { ["sms"] = "1/1h" });
        await DispatchSamples.SeedAsync(s, "ntf_2", [D("dlv_2", "ntf_2")]);
        (await RelayAsync(s, Now)).ShouldBe(["dlv_2"]);
        (await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_1"), Now, Now + Lease, "consumer-1", quiet, None)).ShouldNotBeNull();

        (await Relay(s).ClaimOneAsync(new("ntf_2", "dlv_2"), Now, Now + Lease, "consumer-1", quiet, None)).ShouldBeNull();

        var deferred = await DispatchSamples.GetAsync(s, "dlv_2");
        deferred.Status.ShouldBe(DeliveryStatus.Deferred);
        deferred.DueAt.ShouldBe(Now.AddHours(1));
        (await s.Queries.GetTraceAsync("ntf_2", None)).ShouldContain(t => t.Decision == "deferred" && t.Stage == "gate");
        (await Relay(s).CountInFlightAsync(None)).ShouldBe(0);
        (await RelayAsync(s, Now.AddMinutes(59))).ShouldBeEmpty();
        (await RelayAsync(s, Now.AddHours(1))).ShouldBe(["dlv_2"]);
    }

    [Fact]
    public async Task RelayDueAsync_RetryAfterClaim_PublishedAgain()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        await RelayAsync(s, Now);
        var claimed = await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_1"), Now, Now + Lease, "consumer-1", _gate, None);
        var retry = DispatchSamples.Sent(claimed!, "consumer-1") with { Status = DeliveryStatus.Retrying, DueAt = Now.AddSeconds(5), Outcome = "retry" };
        await s.Dispatch.CompleteAsync([retry], Now.AddSeconds(1), None);

        (await RelayAsync(s, Now.AddSeconds(4))).ShouldBeEmpty();
        (await RelayAsync(s, Now.AddSeconds(5))).ShouldBe(["dlv_1"]);
    }

    [Fact]
    public async Task RepublishStaleAsync_PublishedLongAgoAndUnclaimed_PublishableAgain()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_old", "ntf_1", recipient: "u1"), D("dlv_claimed", "ntf_1", recipient: "u2")]);
        await RelayAsync(s, Now);
        await DispatchSamples.SeedAsync(s, "ntf_2", [D("dlv_new", "ntf_2", recipient: "u3")]);
        await RelayAsync(s, Now.AddMinutes(5));
        await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_claimed"), Now, Now + Lease, "consumer-1", _gate, None);

        (await Relay(s).RepublishStaleAsync(Now.AddMinutes(1), None)).ShouldBe(1);

        (await Relay(s).CountInFlightAsync(None)).ShouldBe(1);
        (await RelayAsync(s, Now.AddMinutes(6))).ShouldBe(["dlv_old"]);
        (await Relay(s).RepublishStaleAsync(Now.AddMinutes(1), None)).ShouldBe(0);
    }

    [Fact]
    public async Task ClaimOneAsync_DueAndClaimable_ClaimedOnce()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        await RelayAsync(s, Now);

        var claimed = await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_1"), Now, Now + Lease, "consumer-1", _gate, None);

        claimed.ShouldNotBeNull();
        claimed.Status.ShouldBe(DeliveryStatus.Sending);
        claimed.Attempts.ShouldBe(1);
        (await Relay(s).CountInFlightAsync(None)).ShouldBe(0);
        (await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_1"), Now, Now + Lease, "consumer-2", _gate, None)).ShouldBeNull();
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "consumer-2")], Now, None)).ShouldBe([false]);
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "consumer-1")], Now, None)).ShouldBe([true]);
        (await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_1"), Now, Now + Lease, "consumer-2", _gate, None)).ShouldBeNull();
        (await RelayAsync(s, Now.AddMinutes(1))).ShouldBeEmpty();
    }

    [Fact]
    public async Task ClaimOneAsync_NotDueOrUnknown_NullAndUnchanged()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1", Now.AddMinutes(1))]);
        var before = await DispatchSamples.GetAsync(s, "dlv_1");

        (await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_1"), Now, Now + Lease, "consumer-1", _gate, None)).ShouldBeNull();
        (await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_missing"), Now, Now + Lease, "consumer-1", _gate, None)).ShouldBeNull();

        (await DispatchSamples.GetAsync(s, "dlv_1")).ShouldBe(before);
        (await s.Queries.GetTraceAsync("ntf_1", None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ClaimOneAsync_SuppressedByGate_NullAndRecorded()
    {
        await using var s = await Stores.PostgresAsync();
        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null,
            Suppress: new Suppression(Channel.Sms, "+15550001", "carrier STOP", "twilio", Now))], Now, None);
        await DispatchSamples.SeedAsync(s, "ntf_1", [DispatchSamples.Delivery("dlv_1", "ntf_1", target: "+15550001")]);

        (await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_1"), Now, Now + Lease, "consumer-1", _gate, None)).ShouldBeNull();

        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Suppressed);
        after.LastError.ShouldBe("+15550001 is on the sms suppression list (carrier STOP)");
        (await s.Queries.GetTraceAsync("ntf_1", None)).ShouldContain(t => t.Decision == "suppressed" && t.Reason == after.LastError);
        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Completed);
    }

    [Fact]
    public async Task ClaimOneAsync_FourConsumersRaceOnOneUser_RateLimitHoldsExactly()
    {
        await using var s = await Stores.PostgresAsync();
        var all = Enumerable.Range(0, 12).Select(i => D($"dlv_{i:00}", "ntf_1")).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);
        var gate = DispatchSamples.Gate(new Dictionary<string, string> { ["sms"] = "5/1h" });

        var claims = await Task.WhenAll(all.Select((d, i) => Task.Run(() =>
            Relay(s).ClaimOneAsync(new(d.NotificationId, d.Id), Now, Now + Lease, $"consumer-{i % 4}", gate, None)))).WaitAsync(TimeSpan.FromSeconds(60));

        claims.Count(c => c is not null).ShouldBe(5);
        var stored = await s.Queries.GetDeliveriesAsync("ntf_1", None);
        stored.Count(d => d.Status == DeliveryStatus.Sending).ShouldBe(5);
        stored.Count(d => d.Status == DeliveryStatus.Deferred).ShouldBe(7);
    }

    [Fact]
    public async Task ClaimOneAsync_RowHeldByRelay_WaitsAndClaimsAfterCommit()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        var publishing = new TaskCompletionSource();
        var release = new TaskCompletionSource();

        var relay = Task.Run(() => Relay(s).RelayDueAsync(Now, Priority.Normal, 10, int.MaxValue, async (_, _) => { publishing.SetResult(); await release.Task; }, None));
        await publishing.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var claim = Task.Run(() => Relay(s).ClaimOneAsync(new("ntf_1", "dlv_1"), Now, Now + Lease, "consumer-1", _gate, None));
        await Task.Delay(200);
        claim.IsCompleted.ShouldBeFalse();
        release.SetResult();

        (await relay.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(1);
        (await claim.WaitAsync(TimeSpan.FromSeconds(10)))!.Id.ShouldBe("dlv_1");
        (await Relay(s).CountInFlightAsync(None)).ShouldBe(0);
    }

    [Fact]
    public async Task ClaimPublishedAsync_BatchOfOneUser_RateLimitCountsEarlierClaimsOfTheBatch()
    {
        await using var s = await Stores.PostgresAsync();
        var all = Enumerable.Range(0, 8).Select(i => D($"dlv_{i}", "ntf_1", Now.AddSeconds(-10 + i))).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);
        var gate = DispatchSamples.Gate(new Dictionary<string, string> { ["sms"] = "3/1h" });

        // Handed over in reverse: decided in due order all the same, so the earliest three go.
        var claimed = await Relay(s).ClaimPublishedAsync([.. all.AsEnumerable().Reverse().Select(d => new DeliveryRef(d.NotificationId, d.Id))],
            Now, Now + Lease, "consumer-1", gate, None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_0", "dlv_1", "dlv_2"]);
        var stored = await s.Queries.GetDeliveriesAsync("ntf_1", None);
        stored.Where(d => d.Status == DeliveryStatus.Sending).Select(d => d.Id).Order().ShouldBe(["dlv_0", "dlv_1", "dlv_2"]);
        stored.Count(d => d.Status == DeliveryStatus.Deferred).ShouldBe(5);
        (await s.Queries.GetTraceAsync("ntf_1", None)).Count(t => t.Decision == "deferred").ShouldBe(5);
    }

    [Fact]
    public async Task BatchAcrossMonthlyPartitions_PlannedPublishedClaimedAndCompletedEveryOne()
    {
        // The tables are partitioned by month on the time-ordered notification id, and the statements that name rows by
        // key pairs repeat the key list (`notification_id = ANY(@n)`) so PostgreSQL opens only those months. A batch
        // spanning three months (last, this and next: partitions the store keeps around the real clock) must still reach
        // every row through the planning write, the publish mark, the claim and the completion.
        await using var s = await Stores.PostgresAsync();
        var today = DateTimeOffset.UtcNow;
        var ids = new[] { today.AddMonths(1), today.AddMonths(-1), today }.Select(t => Ids.New("ntf", t)).ToArray();
        await DispatchSamples.SeedManyAsync(s, [.. ids.Select((n, i) => (n, (IReadOnlyList<Delivery>)[D($"dlv_{i}", n, Now.AddSeconds(-i), $"u{i}")]))]);
        await using (var c = await s.Postgres!.Source.OpenConnectionAsync())
        {
            var partitions = await new NpgsqlCommand("SELECT count(DISTINCT tableoid) FROM deliveries WHERE notification_id = ANY(@n)", c)
            { Parameters = { new("n", ids) } }.ExecuteScalarAsync();
            partitions.ShouldBe(3L, "the precondition: one delivery in each of three monthly partitions");
        }

        (await RelayAsync(s, Now)).ShouldBe(["dlv_2", "dlv_1", "dlv_0"]);
        (await Relay(s).CountInFlightAsync(None)).ShouldBe(3);
        var claimed = await Relay(s).ClaimPublishedAsync([.. ids.Select((n, i) => new DeliveryRef(n, $"dlv_{i}"))], Now, Now + Lease, "consumer-1", _gate, None);
        claimed.Select(d => d.Id).ShouldBe(["dlv_0", "dlv_1", "dlv_2"], ignoreOrder: true);
        (await s.Dispatch.CompleteAsync([.. claimed.Select(d => DispatchSamples.Sent(d, "consumer-1"))], Now, None)).ShouldBe([true, true, true]);
        foreach (var (id, i) in ids.Select((n, i) => (n, i)))
        {
            (await DispatchSamples.GetAsync(s, $"dlv_{i}")).Status.ShouldBe(DeliveryStatus.Sent);
            (await s.Queries.GetNotificationAsync(id, None))!.Status.ShouldBe(NotificationStatus.Completed);
        }
    }

    [Fact]
    public async Task ClaimPublishedAsync_MixedBatch_ClaimsTheClaimableAndSettlesEachOnItsOwn()
    {
        await using var s = await Stores.PostgresAsync();
        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null,
            Suppress: new Suppression(Channel.Sms, "+15550001", "carrier STOP", "twilio", Now))], Now, None);
        await DispatchSamples.SeedAsync(s, "ntf_1", [
            DispatchSamples.Delivery("dlv_ok", "ntf_1", recipient: "u1"),
            DispatchSamples.Delivery("dlv_later", "ntf_1", Now.AddMinutes(5), recipient: "u2"),
            DispatchSamples.Delivery("dlv_stop", "ntf_1", recipient: "u3", target: "+15550001"),
            DispatchSamples.Delivery("dlv_dup_a", "ntf_1", recipient: "u4", hash: "same"),
            DispatchSamples.Delivery("dlv_mail", "ntf_1", channel: Channel.Email, recipient: "u5")]);
        await DispatchSamples.SeedAsync(s, "ntf_2", [DispatchSamples.Delivery("dlv_dup_b", "ntf_2", Now.AddSeconds(1), recipient: "u4", hash: "same")]);

        var claimed = await Relay(s).ClaimPublishedAsync([new("ntf_1", "dlv_ok"), new("ntf_1", "dlv_later"), new("ntf_1", "dlv_stop"), new("ntf_1", "dlv_missing"),
            new("ntf_1", "dlv_dup_a"), new("ntf_2", "dlv_dup_b"), new("ntf_1", "dlv_mail"), new("ntf_1", "dlv_ok")], Now.AddSeconds(1), Now + Lease, "consumer-1", _gate, None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_ok", "dlv_dup_a", "dlv_mail"], ignoreOrder: true);
        (await DispatchSamples.GetAsync(s, "dlv_later")).Status.ShouldBe(DeliveryStatus.Queued);
        (await DispatchSamples.GetAsync(s, "dlv_stop")).Status.ShouldBe(DeliveryStatus.Suppressed);
        var dup = await DispatchSamples.GetAsync(s, "dlv_dup_b");
        dup.Status.ShouldBe(DeliveryStatus.Suppressed);
        dup.LastError.ShouldBe("duplicate of delivery dlv_dup_a: same content sent within 10 min");
    }

    [Fact]
    public async Task ClaimPublishedAsync_FourBatchClaimersRaceOnOneUser_RateLimitHoldsExactly()
    {
        await using var s = await Stores.PostgresAsync();
        var all = Enumerable.Range(0, 24).Select(i => D($"dlv_{i:00}", "ntf_1")).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);
        var gate = DispatchSamples.Gate(new Dictionary<string, string> { ["sms"] = "5/1h" });

        var claims = await Task.WhenAll(all.Chunk(6).Select((batch, i) => Task.Run(() =>
            Relay(s).ClaimPublishedAsync([.. batch.Select(d => new DeliveryRef(d.NotificationId, d.Id))], Now, Now + Lease, $"consumer-{i}", gate, None))))
            .WaitAsync(TimeSpan.FromSeconds(60));

        claims.Sum(c => c.Count).ShouldBe(5);
        var stored = await s.Queries.GetDeliveriesAsync("ntf_1", None);
        stored.Count(d => d.Status == DeliveryStatus.Sending).ShouldBe(5);
        stored.Count(d => d.Status == DeliveryStatus.Deferred).ShouldBe(19);
    }

    [Fact]
    public async Task ClaimPublishedAsync_FourBatchClaimersRaceOnOneUserUrgent_UrgentCeilingHoldsExactly()
    {
        await using var s = await Stores.PostgresAsync();
        var all = Enumerable.Range(0, 24).Select(i => DispatchSamples.Delivery($"dlv_{i:00}", "ntf_1", priority: Priority.Urgent)).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);
        var gate = DispatchSamples.Gate(urgentCeilings: new Dictionary<string, string> { ["sms"] = "10/1h" });

        var claims = await Task.WhenAll(all.Chunk(6).Select((batch, i) => Task.Run(() =>
            Relay(s).ClaimPublishedAsync([.. batch.Select(d => new DeliveryRef(d.NotificationId, d.Id))], Now, Now + Lease, $"consumer-{i}", gate, None))))
            .WaitAsync(TimeSpan.FromSeconds(60));

        claims.Sum(c => c.Count).ShouldBe(10);
        var stored = await s.Queries.GetDeliveriesAsync("ntf_1", None);
        stored.Count(d => d.Status == DeliveryStatus.Sending).ShouldBe(10);
        stored.Count(d => d.Status == DeliveryStatus.Suppressed && d.LastError!.StartsWith("urgent ceiling of 10 sms", StringComparison.Ordinal)).ShouldBe(14);
    }

    [Fact]
    public async Task ClaimPublishedAsync_NowReadBeforeAnotherClaimOfTheRecipient_StillCountsIt()
    {
        await using var s = await Stores.PostgresAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1"), D("dlv_2", "ntf_1")]);
        var gate = DispatchSamples.Gate(new Dictionary<string, string> { ["sms"] = "1/1h" });
        // A consumer with a later clock claimed first; this one read its clock before waiting for the recipient's lock.
        (await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_1"), Now.AddSeconds(2), Now.AddSeconds(2) + Lease, "consumer-1", gate, None)).ShouldNotBeNull();

        (await Relay(s).ClaimOneAsync(new("ntf_1", "dlv_2"), Now, Now + Lease, "consumer-2", gate, None)).ShouldBeNull();

        var deferred = await DispatchSamples.GetAsync(s, "dlv_2");
        deferred.Status.ShouldBe(DeliveryStatus.Deferred);
        deferred.DueAt.ShouldBe(Now.AddSeconds(2).AddHours(1));
    }
}
