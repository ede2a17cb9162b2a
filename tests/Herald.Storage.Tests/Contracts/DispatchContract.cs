using Herald.Core.Domain;
using Herald.Core.Gate;
using Herald.Core.Pipeline;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Deliveries seeded planned and queued, completions, and gates for the dispatch, feed, endpoint, tracking and relay contracts.</summary>
internal static class DispatchSamples
{
    public static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    public static readonly CancellationToken None = CancellationToken.None;

    public static DeliveryGate Gate(Dictionary<string, string>? rateLimits = null, Dictionary<string, string>? urgentCeilings = null)
    {
        var options = new PipelineOptions();
        if (rateLimits is not null)
        {
            options.RateLimits = rateLimits;
        }

        if (urgentCeilings is not null)
        {
            options.UrgentCeilings = urgentCeilings;
        }

        return new DeliveryGate(Options.Create(options));
    }

    public static Delivery Delivery(string id, string notificationId, DateTimeOffset? due = null, Channel channel = Channel.Sms, string recipient = "u1",
        Priority priority = Priority.Normal, string? target = null, string? hash = null) =>
        new(id, notificationId, recipient, "order.shipped", channel, priority, target ?? "target-" + id, null, null, DeliveryStatus.Queued, 0, null,
            "{\"body\":\"" + id + "\"}", hash ?? "hash-" + id, due ?? Now, null, null, Now, Now);

    /// <summary>Accepts, claims for planning and plans one notification with the given deliveries (status processing).</summary>
    public static async Task SeedAsync(StoreHandle s, string notificationId, IReadOnlyList<Delivery> deliveries, string recipient = "u1")
    {
        var notification = new Notification(notificationId, "order.shipped", recipient, Priority.Normal, NotificationStatus.Accepted, "order_shipped", 1, null, "{}",
            null, null, Now, Now);
        await s.Ingest.AcceptAsync([new IngestItem([notification], null)], Now, None);
        var planning = await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now + Lease, 10, None);
        planning.Select(n => n.Id).ShouldBe([notificationId]);
        await s.Plans.CompletePlanningAsync([new PlanResult(notificationId, deliveries, [], NotificationStatus.Processing)], Now, None);
    }

    /// <summary>Accepts and plans many notifications in three writes (status processing); each is sent to its first delivery's recipient.</summary>
    public static async Task SeedManyAsync(StoreHandle s, IReadOnlyList<(string NotificationId, IReadOnlyList<Delivery> Deliveries)> plans)
    {
        await s.Ingest.AcceptAsync([.. plans.Select(p => new IngestItem([new Notification(p.NotificationId, "order.shipped", p.Deliveries[0].RecipientId, Priority.Normal,
            NotificationStatus.Accepted, "order_shipped", 1, null, "{}", null, null, Now, Now)], null))], Now, None);
        var planning = await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now + Lease, plans.Count + 1, None);
        planning.Count.ShouldBe(plans.Count);
        await s.Plans.CompletePlanningAsync([.. plans.Select(p => new PlanResult(p.NotificationId, p.Deliveries, [], NotificationStatus.Processing))], Now, None);
    }

    /// <summary>Seeds one delivery in its own notification and claims it for <paramref name="owner"/>.</summary>
    public static async Task<Delivery> SeedClaimedAsync(StoreHandle s, string deliveryId, Channel channel = Channel.Sms, string recipient = "u1",
        string owner = "lane-a", string? target = null)
    {
        var notificationId = "ntf_" + deliveryId;
        await SeedAsync(s, notificationId, [Delivery(deliveryId, notificationId, channel: channel, recipient: recipient, target: target)], recipient);
        var claimed = await s.Dispatch.ClaimDueAsync(channel, Priority.Normal, Now, Now + Lease, owner, 10, Gate(), None);
        claimed.Select(d => d.Id).ShouldBe([deliveryId]);
        return claimed[0];
    }

    public static DeliveryCompletion Sent(Delivery d, string owner, string status = DeliveryStatus.Sent, string? providerMessageId = "pm-1") =>
        new(d.Id, d.NotificationId, owner, status, null, "capture", null, "sent", providerMessageId, Now, Now,
            [new TraceEntry(d.NotificationId, Now, "dispatch", d.Channel.ToWire(), "sent", "sent via capture")]);

    public static async Task<Delivery> GetAsync(StoreHandle s, string deliveryId) => (await s.Queries.GetDeliveryAsync(deliveryId, None))!;
}

/// <summary>The dispatch port: claims (gate included), completions, lease takeover, DLQ replay and lane wake-ups.</summary>
public abstract class DispatchContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly TimeSpan Lease = DispatchSamples.Lease;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly DeliveryGate _gate = DispatchSamples.Gate();

    protected abstract Task<StoreHandle> OpenAsync();

    private static Delivery D(string id, string notificationId, DateTimeOffset? due = null, Channel channel = Channel.Sms, string recipient = "u1",
        Priority priority = Priority.Normal, string? hash = null) =>
        DispatchSamples.Delivery(id, notificationId, due, channel, recipient, priority, hash: hash);

    private static DeliveryCompletion Sent(Delivery d, string owner) => DispatchSamples.Sent(d, owner);

    [Fact]
    public async Task ClaimDueAsync_TwoOwnersRace_EachDeliveryClaimedOnce()
    {
        await using var s = await OpenAsync();
        var all = Enumerable.Range(0, 20).Select(i => D($"dlv_{i:00}", "ntf_1", recipient: $"u{i}")).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);

        var a = Task.Run(() => s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 15, _gate, None));
        var b = Task.Run(() => s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-b", 15, _gate, None));
        var results = await Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(30));

        var idsA = results[0].Select(d => d.Id).ToList();
        var idsB = results[1].Select(d => d.Id).ToList();
        idsA.Intersect(idsB).ShouldBeEmpty();
        (idsA.Count + idsB.Count).ShouldBeLessThanOrEqualTo(20);
        results.SelectMany(r => r).ShouldAllBe(d => d.Status == DeliveryStatus.Sending && d.Attempts == 1);

        // Whatever the two left (skipped while the other held it) a third claimer takes; nothing is claimed twice.
        var rest = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-c", 50, _gate, None);
        idsA.Concat(idsB).Concat(rest.Select(d => d.Id)).Order(StringComparer.Ordinal).ShouldBe(all.Select(d => d.Id).Order(StringComparer.Ordinal));
        (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-d", 50, _gate, None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ClaimDueAsync_NotYetDueOrOtherLane_NotClaimed()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [
            D("dlv_due", "ntf_1"), D("dlv_later", "ntf_1", due: Now.AddMinutes(5)), D("dlv_email", "ntf_1", channel: Channel.Email),
            D("dlv_low", "ntf_1", priority: Priority.Low, recipient: "u2")]);

        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_due"]);
        (await DispatchSamples.GetAsync(s, "dlv_later")).Status.ShouldBe(DeliveryStatus.Queued);
        (await DispatchSamples.GetAsync(s, "dlv_email")).Status.ShouldBe(DeliveryStatus.Queued);
        (await DispatchSamples.GetAsync(s, "dlv_low")).Status.ShouldBe(DeliveryStatus.Queued);
    }

    [Fact]
    public async Task ClaimDueAsync_Limit_TakesEarliestDueFirst()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [
            D("dlv_c", "ntf_1", due: Now.AddSeconds(-1), recipient: "u1"), D("dlv_a", "ntf_1", due: Now.AddSeconds(-3), recipient: "u2"),
            D("dlv_b", "ntf_1", due: Now.AddSeconds(-2), recipient: "u3")]);

        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 2, _gate, None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_a", "dlv_b"]);
        var after = await DispatchSamples.GetAsync(s, "dlv_a");
        after.Status.ShouldBe(DeliveryStatus.Sending);
        after.Attempts.ShouldBe(1);
        after.UpdatedAt.ShouldBe(Now);
        (await DispatchSamples.GetAsync(s, "dlv_c")).Status.ShouldBe(DeliveryStatus.Queued);
    }

    [Fact]
    public async Task ClaimDueAsync_FourthSmsToOneUserInOneBatch_DeferredByRateLimit()
    {
        await using var s = await OpenAsync();
        var all = Enumerable.Range(0, 4).Select(i => D($"dlv_{i}", "ntf_1", due: Now.AddMilliseconds(i))).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);
        var at = Now.AddSeconds(1);
        var gate = DispatchSamples.Gate(new Dictionary<string, string> { ["sms"] = "3/1h" });

        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, at, at + Lease, "lane-a", 10, gate, None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_0", "dlv_1", "dlv_2"]);
        var deferred = await DispatchSamples.GetAsync(s, "dlv_3");
        deferred.Status.ShouldBe(DeliveryStatus.Deferred);
        deferred.DueAt.ShouldBe(at.AddHours(1));
        var trace = await s.Queries.GetTraceAsync("ntf_1", None);
        trace.ShouldContain(t => t.Decision == "deferred" && t.Stage == "gate" && t.Channel == "sms" && t.Reason.StartsWith("rate limited (3 per 01:00:00)"));
        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Dispatch.NextDueAsync(Channel.Sms, Priority.Normal, None)).ShouldBe(at.AddHours(1));
    }

    [Fact]
    public async Task ClaimDueAsync_FourClaimersRaceOnOneUser_RateLimitHoldsExactly()
    {
        await using var s = await OpenAsync();
        var all = Enumerable.Range(0, 16).Select(i => D($"dlv_{i:00}", "ntf_1", due: Now.AddMilliseconds(-i))).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);
        var gate = DispatchSamples.Gate(new Dictionary<string, string> { ["sms"] = "5/1h" });

        async Task<List<Delivery>> ClaimerAsync(string owner)
        {
            var mine = new List<Delivery>();
            while (true)
            {
                var batch = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, owner, 2, gate, None);
                mine.AddRange(batch);
                if (await s.Dispatch.NextDueAsync(Channel.Sms, Priority.Normal, None) is not { } next || next > Now)
                {
                    return mine;
                }
            }
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => ClaimerAsync($"lane-{i}")))).WaitAsync(TimeSpan.FromSeconds(60));

        var claimed = results.SelectMany(r => r).Select(d => d.Id).ToList();
        claimed.Count.ShouldBe(5);
        claimed.Distinct().Count().ShouldBe(5);
        var statuses = await s.Queries.GetDeliveriesAsync("ntf_1", None);
        statuses.Count(d => d.Status == DeliveryStatus.Sending).ShouldBe(5);
        statuses.Count(d => d.Status == DeliveryStatus.Deferred).ShouldBe(11);
    }

    [Fact]
    public async Task ClaimDueAsync_SuppressedAddress_SuppressedTracedAndSettled()
    {
        await using var s = await OpenAsync();
        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null,
            Suppress: new Suppression(Channel.Sms, "+15550001", "carrier STOP", "twilio", Now))], Now, None);
        await DispatchSamples.SeedAsync(s, "ntf_1", [DispatchSamples.Delivery("dlv_1", "ntf_1", target: "+15550001")]);

        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);

        claimed.ShouldBeEmpty();
        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Suppressed);
        after.LastError.ShouldBe("+15550001 is on the sms suppression list (carrier STOP)");
        (await s.Queries.GetTraceAsync("ntf_1", None)).ShouldContain(t => t.Decision == "suppressed" && t.Stage == "gate" && t.Reason == after.LastError);
        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Completed);
    }

    [Fact]
    public async Task ClaimDueAsync_SameContentAlreadySent_DuplicateSuppressed()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1", hash: "same")]);
        await DispatchSamples.SeedAsync(s, "ntf_2", [D("dlv_2", "ntf_2", due: Now.AddSeconds(1), hash: "same")]);

        var first = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);
        var second = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now.AddSeconds(1), Now + Lease, "lane-a", 10, _gate, None);

        first.Select(d => d.Id).ShouldBe(["dlv_1"]);
        second.ShouldBeEmpty();
        var dup = await DispatchSamples.GetAsync(s, "dlv_2");
        dup.Status.ShouldBe(DeliveryStatus.Suppressed);
        dup.LastError.ShouldBe("duplicate of delivery dlv_1: same content sent within 10 min");
    }

    [Fact]
    public async Task ClaimDueAsync_FourClaimersRaceOnOneUserUrgent_UrgentCeilingHoldsExactly()
    {
        await using var s = await OpenAsync();
        var all = Enumerable.Range(0, 16).Select(i => D($"dlv_{i:00}", "ntf_1", due: Now.AddMilliseconds(-i), priority: Priority.Urgent)).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);
        var gate = DispatchSamples.Gate(urgentCeilings: new Dictionary<string, string> { ["sms"] = "5/1h" });

        async Task<List<Delivery>> ClaimerAsync(string owner)
        {
            var mine = new List<Delivery>();
            while (true)
            {
                var batch = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Urgent, Now, Now + Lease, owner, 2, gate, None);
                mine.AddRange(batch);
                if (await s.Dispatch.NextDueAsync(Channel.Sms, Priority.Urgent, None) is not { } next || next > Now)
                {
                    return mine;
                }
            }
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => ClaimerAsync($"lane-{i}")))).WaitAsync(TimeSpan.FromSeconds(60));

        results.SelectMany(r => r).Select(d => d.Id).Distinct().Count().ShouldBe(5);
        var statuses = await s.Queries.GetDeliveriesAsync("ntf_1", None);
        statuses.Count(d => d.Status == DeliveryStatus.Sending).ShouldBe(5);
        var stopped = statuses.Where(d => d.Status == DeliveryStatus.Suppressed).ToList();
        stopped.Count.ShouldBe(11);
        stopped.ShouldAllBe(d => d.LastError == "urgent ceiling of 5 sms per 1 h for order.shipped reached (5 sent since 2026-05-01 11:00:00Z)");
        (await s.Queries.GetTraceAsync("ntf_1", None)).Count(t => t.Decision == "suppressed" && t.Reason.StartsWith("urgent ceiling", StringComparison.Ordinal)).ShouldBe(11);
    }

    [Fact]
    public async Task ClaimDueAsync_StampedDedupWindows_AnHourSuppressesZeroSends()
    {
        await using var s = await OpenAsync();
        var hour = TimeSpan.FromHours(1);
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1", hash: "same") with { DedupWindow = hour }]);
        await DispatchSamples.SeedAsync(s, "ntf_2", [D("dlv_2", "ntf_2", due: Now.AddMinutes(30), hash: "same") with { DedupWindow = hour }]);
        await DispatchSamples.SeedAsync(s, "ntf_3", [D("dlv_3", "ntf_3", due: Now.AddMinutes(31), hash: "same") with { DedupWindow = TimeSpan.Zero }]);

        (await DispatchSamples.GetAsync(s, "dlv_1")).DedupWindow.ShouldBe(hour);
        (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None)).Select(d => d.Id).ShouldBe(["dlv_1"]);
        (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now.AddMinutes(30), Now + Lease, "lane-a", 10, _gate, None)).ShouldBeEmpty();
        var third = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now.AddMinutes(31), Now + Lease, "lane-a", 10, _gate, None);

        (await DispatchSamples.GetAsync(s, "dlv_2")).LastError.ShouldBe("duplicate of delivery dlv_1: same content sent within 1 h");
        third.Select(d => d.Id).ShouldBe(["dlv_3"], "a window of 0 turns dedup off");
    }

    [Fact]
    public async Task ClaimDueAsync_SameContentToTheSameUserIdInAnotherEnvironment_NotADuplicate()
    {
        await using var s = await OpenAsync();
        var hour = TimeSpan.FromHours(1);
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1", hash: "same") with { DedupWindow = hour }]);
        await DispatchSamples.SeedAsync(s, "ntf_2", [D("dlv_2", "ntf_2", due: Now.AddMinutes(30), hash: "same") with { DedupWindow = hour, EnvironmentId = "env_other" }]);
        await DispatchSamples.SeedAsync(s, "ntf_3", [D("dlv_3", "ntf_3", due: Now.AddMinutes(31), hash: "same") with { DedupWindow = hour }]);

        (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None)).Select(d => d.Id).ShouldBe(["dlv_1"]);
        var other = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now.AddMinutes(30), Now + Lease, "lane-a", 10, _gate, None);
        var again = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now.AddMinutes(31), Now + Lease, "lane-a", 10, _gate, None);

        other.ShouldHaveSingleItem().EnvironmentId.ShouldBe("env_other", "the other environment's u1 is another recipient");
        again.ShouldBeEmpty();
        (await DispatchSamples.GetAsync(s, "dlv_3")).LastError.ShouldBe("duplicate of delivery dlv_1: same content sent within 1 h");
    }

    [Fact]
    public async Task ClaimDueAsync_UrgentCeiling_CountsOnlyItsOwnEventTypeAndTheOtherEnvironmentNot()
    {
        await using var s = await OpenAsync();
        var gate = DispatchSamples.Gate(urgentCeilings: new Dictionary<string, string> { ["sms"] = "2/1h" });
        for (var i = 0; i < 2; i++)
        {
            var at = Now.AddMinutes(-10 + i);
            await DispatchSamples.SeedAsync(s, $"ntf_otp{i}", [D($"dlv_otp{i}", $"ntf_otp{i}", due: at, priority: Priority.Urgent) with { EventType = "otp.login" }]);
            (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Urgent, at, at + Lease, "lane-a", 10, gate, None)).ShouldHaveSingleItem();
        }

        await DispatchSamples.SeedAsync(s, "ntf_otp", [D("dlv_otp", "ntf_otp", priority: Priority.Urgent) with { EventType = "otp.login" }]);
        await DispatchSamples.SeedAsync(s, "ntf_alert", [D("dlv_alert", "ntf_alert", priority: Priority.Urgent) with { EventType = "card.declined" }]);
        await DispatchSamples.SeedAsync(s, "ntf_other", [D("dlv_other", "ntf_other", priority: Priority.Urgent) with { EventType = "otp.login", EnvironmentId = "env_other" }]);

        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Urgent, Now, Now + Lease, "lane-a", 10, gate, None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_alert", "dlv_other"], ignoreOrder: true);
        (await DispatchSamples.GetAsync(s, "dlv_otp")).LastError!.ShouldStartWith("urgent ceiling of 2 sms per 1 h for otp.login reached (2 sent");
    }

    [Fact]
    public async Task ClaimDueAsync_HeldRecipients_LeftQueuedAndTheLimitFilledWithOthers()
    {
        await using var s = await OpenAsync();
        var all = Enumerable.Range(0, 6).Select(i => D($"dlv_{i}", "ntf_1", due: Now.AddMilliseconds(-10 + i), recipient: i < 3 ? "held" : $"u{i}")).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);

        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 3, _gate, new HashSet<string>(["held"]), None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_3", "dlv_4", "dlv_5"], string.Join("; ", (await s.Queries.GetDeliveriesAsync("ntf_1", None)).Select(d => $"{d.Id} {d.Status} {d.LastError}")));
        (await DispatchSamples.GetAsync(s, "dlv_0")).Status.ShouldBe(DeliveryStatus.Queued);
        (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 3, _gate, None)).Select(d => d.Id).ShouldBe(["dlv_0", "dlv_1", "dlv_2"],
            "released, they are next");
    }

    [Fact]
    public async Task ClaimDueAsync_BusyWebhookRecipient_DedupFindsTheLatestSameContentSendAndOthersGo()
    {
        // Webhooks count nothing (no limit, no ceiling), so only the content probe answers: among 30 earlier sends of one
        // recipient, two of the same content (the later one is named), then one duplicate and one fresh delivery.
        await using var s = await OpenAsync();
        for (var i = 0; i < 30; i++)
        {
            var hash = i is 5 or 20 ? "same" : $"other-{i}";
            // The second "same" goes out too: its own dedup is off.
            var old = D($"dlv_old{i:00}", $"ntf_old{i:00}", due: Now.AddSeconds(i), channel: Channel.Webhook, hash: hash) with { DedupWindow = i == 20 ? TimeSpan.Zero : null };
            await DispatchSamples.SeedAsync(s, $"ntf_old{i:00}", [old]);
            (await s.Dispatch.ClaimDueAsync(Channel.Webhook, Priority.Normal, Now.AddSeconds(i), Now + Lease, "lane-a", 10, _gate, None)).ShouldHaveSingleItem();
        }

        await DispatchSamples.SeedAsync(s, "ntf_dup", [D("dlv_dup", "ntf_dup", due: Now.AddSeconds(40), channel: Channel.Webhook, hash: "same")]);
        await DispatchSamples.SeedAsync(s, "ntf_new", [D("dlv_new", "ntf_new", due: Now.AddSeconds(40), channel: Channel.Webhook, hash: "fresh")]);

        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Webhook, Priority.Normal, Now.AddSeconds(40), Now + Lease, "lane-a", 10, _gate, None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_new"]);
        (await DispatchSamples.GetAsync(s, "dlv_dup")).LastError.ShouldBe("duplicate of delivery dlv_old20: same content sent within 10 min");
    }

    [Fact]
    public async Task ClaimDueAsync_FrequencyCapLongerThanTheRateLimit_CountsTheWholeDay()
    {
        // The cap's day reaches past the sms limit's hour: two sends 5 and 3 hours ago use up "2 per day".
        await using var s = await OpenAsync();
        await s.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("order.shipped", "sms", true, FrequencyCap: 2)]), Now, None);
        for (var i = 0; i < 2; i++)
        {
            var at = Now.AddHours(-5 + 2 * i);
            await DispatchSamples.SeedAsync(s, $"ntf_old{i}", [D($"dlv_old{i}", $"ntf_old{i}", due: at)]);
            (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, at, at + Lease, "lane-a", 10, _gate, None)).ShouldHaveSingleItem();
        }

        await DispatchSamples.SeedAsync(s, "ntf_3", [D("dlv_3", "ntf_3")]);

        (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None)).ShouldBeEmpty();
        var capped = await DispatchSamples.GetAsync(s, "dlv_3");
        capped.Status.ShouldBe(DeliveryStatus.Deferred);
        capped.DueAt.ShouldBe(Now.AddHours(-5).AddDays(1));
    }

    [Fact]
    public async Task ClaimDueAsync_SameContentTwiceInOneBatch_SecondSuppressed()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1", hash: "same")]);
        await DispatchSamples.SeedAsync(s, "ntf_2", [D("dlv_2", "ntf_2", due: Now.AddMilliseconds(1), hash: "same")]);

        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now.AddSeconds(1), Now + Lease, "lane-a", 10, _gate, None);

        claimed.Select(d => d.Id).ShouldBe(["dlv_1"]);
        (await DispatchSamples.GetAsync(s, "dlv_2")).Status.ShouldBe(DeliveryStatus.Suppressed);
    }

    [Fact]
    public async Task CompleteAsync_StaleOwner_ReturnsFalseAndChangesNothing()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);
        var traceBefore = await s.Queries.GetTraceAsync("ntf_1", None);

        var applied = await s.Dispatch.CompleteAsync([Sent(claimed[0], "lane-b")], Now.AddSeconds(1), None);

        applied.ShouldBe([false]);
        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Sending);
        after.SentAt.ShouldBeNull();
        after.Provider.ShouldBeNull();
        after.UpdatedAt.ShouldBe(Now);
        (await s.Queries.GetTraceAsync("ntf_1", None)).Count.ShouldBe(traceBefore.Count);
        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Processing);
    }

    [Fact]
    public async Task CompleteAsync_CurrentOwner_AppliesAndCompletesNotification()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);

        var applied = await s.Dispatch.CompleteAsync([Sent(claimed[0], "lane-a")], Now.AddSeconds(1), None);

        applied.ShouldBe([true]);
        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Sent);
        after.SentAt.ShouldBe(Now.AddSeconds(1));
        after.Provider.ShouldBe("capture");
        after.ProviderMessageId.ShouldBe("pm-1");
        after.UpdatedAt.ShouldBe(Now.AddSeconds(1));
        (await s.Queries.GetTraceAsync("ntf_1", None)).ShouldContain(t => t.Decision == "sent" && t.Reason == "sent via capture");
        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Completed);
        (await s.Dispatch.CompleteAsync([Sent(claimed[0], "lane-a")], Now.AddSeconds(2), None)).ShouldBe([false]);
    }

    [Fact]
    public async Task CompleteAsync_Retrying_RequeuedAtDueTimeAndClaimableAgain()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);
        var retry = Sent(claimed[0], "lane-a") with
        {
            Status = DeliveryStatus.Retrying, DueAt = Now.AddSeconds(5), LastError = "503", Outcome = "retry", ProviderMessageId = null,
        };

        (await s.Dispatch.CompleteAsync([retry], Now.AddSeconds(1), None)).ShouldBe([true]);

        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Retrying);
        after.DueAt.ShouldBe(Now.AddSeconds(5));
        after.LastError.ShouldBe("503");
        after.SentAt.ShouldBeNull();
        after.ProviderMessageId.ShouldBeNull();
        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Dispatch.NextDueAsync(Channel.Sms, Priority.Normal, None)).ShouldBe(Now.AddSeconds(5));
        (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now.AddSeconds(4), Now + Lease, "lane-a", 10, _gate, None)).ShouldBeEmpty();
        var again = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now.AddSeconds(5), Now.AddSeconds(5) + Lease, "lane-b", 10, _gate, None);
        again.Single().Attempts.ShouldBe(2);
    }

    [Fact]
    public async Task CompleteAsync_ProviderMessageIdAndProviderMissing_KeepPreviousValues()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);
        var unknown = Sent(claimed[0], "lane-a") with { Status = DeliveryStatus.Unknown, DueAt = Now.AddSeconds(10), Outcome = "unknown" };
        await s.Dispatch.CompleteAsync([unknown], Now, None);
        var taken = await s.Dispatch.ClaimExpiredSendingAsync(Now.AddSeconds(11), Now.AddSeconds(41), "sweeper", 10, None);

        var settled = Sent(taken[0], "sweeper") with { Provider = null, ProviderMessageId = null };
        (await s.Dispatch.CompleteAsync([settled], Now.AddSeconds(12), None)).ShouldBe([true]);

        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Sent);
        after.Provider.ShouldBe("capture");
        after.ProviderMessageId.ShouldBe("pm-1");
    }

    [Fact]
    public async Task CompleteAsync_Unknown_LeaseRunsToDueTimeThenSweeperTakesOver()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);
        var unknown = Sent(claimed[0], "lane-a") with { Status = DeliveryStatus.Unknown, DueAt = Now.AddSeconds(10), Outcome = "timeout" };

        (await s.Dispatch.CompleteAsync([unknown], Now.AddSeconds(1), None)).ShouldBe([true]);

        (await DispatchSamples.GetAsync(s, "dlv_1")).Status.ShouldBe(DeliveryStatus.Unknown);
        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Dispatch.CompleteAsync([Sent(claimed[0], "lane-a")], Now.AddSeconds(2), None)).ShouldBe([false]);
        (await s.Dispatch.ClaimExpiredSendingAsync(Now.AddSeconds(9), Now.AddSeconds(40), "sweeper", 10, None)).ShouldBeEmpty();
        var taken = await s.Dispatch.ClaimExpiredSendingAsync(Now.AddSeconds(11), Now.AddSeconds(41), "sweeper", 10, None);
        taken.Select(d => d.Id).ShouldBe(["dlv_1"]);
        taken[0].Status.ShouldBe(DeliveryStatus.Unknown);
    }

    [Fact]
    public async Task PostponeLookUpAsync_UnansweredLookUp_StaysUnknownUntilThenCountsEachTakeOver()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);
        var first = (await s.Dispatch.ClaimExpiredSendingAsync(Now.AddSeconds(31), Now.AddSeconds(61), "sweeper", 10, None)).Single();
        first.LookUps.ShouldBe(1);

        await s.Dispatch.PostponeLookUpAsync(first, "another-sweeper", Now.AddSeconds(300), Trace("not the holder"), None);
        await s.Dispatch.PostponeLookUpAsync(first, "sweeper", Now.AddSeconds(90), Trace("asking again"), None);

        (await s.Dispatch.ClaimExpiredSendingAsync(Now.AddSeconds(70), Now.AddSeconds(100), "sweeper", 10, None)).ShouldBeEmpty("postponed past its lease");
        var second = (await s.Dispatch.ClaimExpiredSendingAsync(Now.AddSeconds(91), Now.AddSeconds(121), "sweeper", 10, None)).Single();
        second.LookUps.ShouldBe(2);
        second.Status.ShouldBe(DeliveryStatus.Unknown);
        (await s.Queries.GetTraceAsync("ntf_1", None)).Select(t => t.Reason).ShouldContain("asking again");
        (await s.Queries.GetTraceAsync("ntf_1", None)).Select(t => t.Reason).ShouldNotContain("not the holder");

        static TraceEntry Trace(string reason) => new("ntf_1", Now.AddSeconds(32), "reconcile", "sms", "lookup-unanswered", reason);
    }

    [Fact]
    public async Task ClaimExpiredSendingAsync_ProviderReportedWhileSending_CarriesTheReport()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);
        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate("dlv_1", "ntf_1", DeliveryStatus.Delivered, Now.AddSeconds(1), null)], Now.AddSeconds(1), None);

        var taken = (await s.Dispatch.ClaimExpiredSendingAsync(Now.AddSeconds(31), Now.AddSeconds(61), "sweeper", 10, None)).Single();

        taken.TrackedStatus.ShouldBe(DeliveryStatus.Delivered);
        taken.Status.ShouldBe(DeliveryStatus.Unknown);
    }

    [Fact]
    public async Task CompleteAsync_SameDeliveryTwiceInBatch_AppliedInOrder()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1"), D("dlv_2", "ntf_1", channel: Channel.Email)]);
        var sms = (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None)).Single();
        var email = (await s.Dispatch.ClaimDueAsync(Channel.Email, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None)).Single();

        var applied = await s.Dispatch.CompleteAsync([Sent(sms, "lane-x"), Sent(sms, "lane-a"), Sent(email, "lane-a"), Sent(email, "lane-a")], Now, None);

        applied.ShouldBe([false, true, true, false]);
        (await s.Queries.GetTraceAsync("ntf_1", None)).Count(t => t.Decision == "sent").ShouldBe(2);
        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Completed);
    }

    [Fact]
    public async Task CompleteAsync_SeveralNotificationsInOneBatch_EachRefreshed()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        await DispatchSamples.SeedAsync(s, "ntf_2", [D("dlv_2", "ntf_2", recipient: "u2"), D("dlv_3", "ntf_2", recipient: "u2", channel: Channel.Email)]);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);
        claimed.Count.ShouldBe(2);

        (await s.Dispatch.CompleteAsync([.. claimed.Select(d => Sent(d, "lane-a"))], Now.AddSeconds(1), None)).ShouldBe([true, true]);

        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Completed);
        (await s.Queries.GetNotificationAsync("ntf_2", None))!.Status.ShouldBe(NotificationStatus.Processing);
    }

    [Fact]
    public async Task CompleteAsync_ChannelsOfOneNotificationCompletedConcurrently_NotificationCompleted()
    {
        await using var s = await OpenAsync();
        Channel[] channels = [Channel.Sms, Channel.Email, Channel.Push];
        var all = new List<string>();
        for (var round = 0; round < 5; round++)
        {
            // Two or three channels per notification, one recipient each (the gate's per-user limits stay out of the way).
            var plans = Enumerable.Range(0, 20).Select(i => (NotificationId: $"ntf_{round}_{i:00}", Deliveries: (IReadOnlyList<Delivery>)[.. channels.Take(2 + (i % 2))
                .Select(ch => D($"dlv_{round}_{i:00}_{ch.ToWire()}", $"ntf_{round}_{i:00}", channel: ch, recipient: $"u_{round}_{i:00}"))])).ToList();
            await DispatchSamples.SeedManyAsync(s, plans);
            var claimed = new List<Delivery>();
            foreach (var ch in channels)
            {
                claimed.AddRange(await s.Dispatch.ClaimDueAsync(ch, Priority.Normal, Now, Now + Lease, "lane-a", 100, _gate, None));
            }

            claimed.Count.ShouldBe(plans.Sum(p => p.Deliveries.Count));

            // Every completion is its own transaction, all released at once: the channels of one notification finish together.
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var completions = claimed.Select(d => Task.Run(async () =>
            {
                await go.Task;
                return await s.Dispatch.CompleteAsync([Sent(d, "lane-a")], Now.AddSeconds(1), None);
            })).ToList();
            go.SetResult();
            var applied = await Task.WhenAll(completions).WaitAsync(TimeSpan.FromSeconds(60));

            applied.ShouldAllBe(a => a.Single());
            all.AddRange(plans.Select(p => p.NotificationId));
        }

        var stuck = new List<string>();
        foreach (var id in all)
        {
            if ((await s.Queries.GetNotificationAsync(id, None))!.Status != NotificationStatus.Completed)
            {
                stuck.Add(id);
            }
        }

        stuck.ShouldBeEmpty();
    }

    [Fact]
    public async Task CompleteAsync_RemoveDevice_DeletesIt()
    {
        await using var s = await OpenAsync();
        var device = await s.Users.AddDeviceAsync(new Device("dev_1", "u1", "tok-1", "ios", null, Now, Now), None);
        var claimed = await DispatchSamples.SeedClaimedAsync(s, "dlv_1", Channel.Push, target: "tok-1");

        await s.Dispatch.CompleteAsync([Sent(claimed, "lane-a") with { Status = DeliveryStatus.Failed, Outcome = "invalid_target", RemoveDeviceId = device.Id }], Now, None);

        (await s.Users.GetDevicesAsync(Environments.Default, "u1", None)).ShouldBeEmpty();
        (await DispatchSamples.GetAsync(s, "dlv_1")).Status.ShouldBe(DeliveryStatus.Failed);
    }

    [Fact]
    public async Task CompleteAsync_Suppress_AddsSuppressionOnce()
    {
        await using var s = await OpenAsync();
        var first = await DispatchSamples.SeedClaimedAsync(s, "dlv_1", Channel.Email, target: "a@example.com");
        var second = await DispatchSamples.SeedClaimedAsync(s, "dlv_2", Channel.Email, recipient: "u2", target: "a@example.com");

        await s.Dispatch.CompleteAsync([
            Sent(first, "lane-a") with { Status = DeliveryStatus.Failed, Suppress = new Suppression(Channel.Email, "a@example.com", "hard bounce", "smtp", Now) },
            Sent(second, "lane-a") with { Status = DeliveryStatus.Failed, Suppress = new Suppression(Channel.Email, "a@example.com", "complaint", "smtp", Now) }],
            Now, None);

        var list = await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Email, "a@example.com", 10, None);
        list.Select(x => x.Reason).ShouldBe(["hard bounce"]);
    }

    [Fact]
    public async Task ClaimExpiredSendingAsync_TakesOnlyExpiredLeases()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_short", "ntf_1"), D("dlv_long", "ntf_1", channel: Channel.Email)]);
        await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now.AddSeconds(10), "lane-a", 10, _gate, None);
        await s.Dispatch.ClaimDueAsync(Channel.Email, Priority.Normal, Now, Now.AddSeconds(60), "lane-a", 10, _gate, None);
        var at = Now.AddSeconds(30);

        var expired = await s.Dispatch.ClaimExpiredSendingAsync(at, at + Lease, "sweeper", 10, None);

        expired.Select(d => d.Id).ShouldBe(["dlv_short"]);
        expired[0].Status.ShouldBe(DeliveryStatus.Unknown);
        expired[0].UpdatedAt.ShouldBe(at);
        (await DispatchSamples.GetAsync(s, "dlv_long")).Status.ShouldBe(DeliveryStatus.Sending);
        (await s.Dispatch.ClaimExpiredSendingAsync(at, at + Lease, "sweeper-2", 10, None)).ShouldBeEmpty();

        // The lane whose lease expired has lost the delivery; the sweeper now owns it.
        var short1 = expired[0];
        (await s.Dispatch.CompleteAsync([Sent(short1, "lane-a")], at, None)).ShouldBe([false]);
        (await s.Dispatch.CompleteAsync([Sent(short1, "sweeper")], at, None)).ShouldBe([true]);
    }

    [Fact]
    public async Task ClaimExpiredSendingAsync_Limit_OldestLeaseFirst()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1"), D("dlv_2", "ntf_1", channel: Channel.Email), D("dlv_3", "ntf_1", channel: Channel.Push)]);
        await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now.AddSeconds(20), "lane-a", 10, _gate, None);
        await s.Dispatch.ClaimDueAsync(Channel.Email, Priority.Normal, Now, Now.AddSeconds(10), "lane-a", 10, _gate, None);
        await s.Dispatch.ClaimDueAsync(Channel.Push, Priority.Normal, Now, Now.AddSeconds(15), "lane-a", 10, _gate, None);
        var at = Now.AddMinutes(1);

        var first = await s.Dispatch.ClaimExpiredSendingAsync(at, at + Lease, "sweeper", 2, None);
        var rest = await s.Dispatch.ClaimExpiredSendingAsync(at, at + Lease, "sweeper", 2, None);

        first.Select(d => d.Id).Order(StringComparer.Ordinal).ShouldBe(["dlv_2", "dlv_3"]);
        rest.Select(d => d.Id).ShouldBe(["dlv_1"]);
    }

    [Fact]
    public async Task ReplayDeadAsync_SentDelivery_RefusedAndUnchanged()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);
        await s.Dispatch.CompleteAsync([Sent(claimed[0], "lane-a")], Now, None);

        var replayed = await s.Dispatch.ReplayDeadAsync("dlv_1", Now.AddMinutes(1), None);

        replayed.ShouldBeFalse();
        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Sent);
        after.DueAt.ShouldBe(Now);
        (await s.Dispatch.ReplayDeadAsync("dlv_unknown", Now, None)).ShouldBeFalse();
    }

    [Fact]
    public async Task ReplayDeadAsync_DeadDelivery_QueuedAgainAndDue()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [D("dlv_1", "ntf_1")]);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now, Now + Lease, "lane-a", 10, _gate, None);
        var dead = Sent(claimed[0], "lane-a") with { Status = DeliveryStatus.Dead, LastError = "rejected", Outcome = "rejected" };
        await s.Dispatch.CompleteAsync([dead], Now, None);
        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Completed);

        var replayed = await s.Dispatch.ReplayDeadAsync("dlv_1", Now.AddMinutes(1), None);

        replayed.ShouldBeTrue();
        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Queued);
        after.DueAt.ShouldBe(Now.AddMinutes(1));
        after.LastError.ShouldBeNull();
        (await s.Queries.GetNotificationAsync("ntf_1", None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Queries.GetTraceAsync("ntf_1", None))[^1].ShouldBe(
            new TraceEntry("ntf_1", Now.AddMinutes(1), "dlq", null, "replayed", "delivery dlv_1 replayed from the dead-letter queue"));
        (await s.Dispatch.ReplayDeadAsync("dlv_1", Now.AddMinutes(2), None)).ShouldBeFalse();
        (await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now.AddMinutes(1), Now.AddMinutes(2), "lane-a", 10, _gate, None)).Single().Attempts.ShouldBe(2);
    }

    [Fact]
    public async Task NextDueAsync_EarliestWaitingInLane()
    {
        await using var s = await OpenAsync();
        (await s.Dispatch.NextDueAsync(Channel.Sms, Priority.Normal, None)).ShouldBeNull();
        await DispatchSamples.SeedAsync(s, "ntf_1", [
            D("dlv_1", "ntf_1", due: Now.AddMinutes(3)), D("dlv_2", "ntf_1", due: Now.AddMinutes(2), recipient: "u2"),
            D("dlv_3", "ntf_1", due: Now.AddMinutes(1), channel: Channel.Email), D("dlv_4", "ntf_1", due: Now, priority: Priority.Low, recipient: "u3")]);

        (await s.Dispatch.NextDueAsync(Channel.Sms, Priority.Normal, None)).ShouldBe(Now.AddMinutes(2));
        (await s.Dispatch.NextDueAsync(Channel.Email, Priority.Normal, None)).ShouldBe(Now.AddMinutes(1));
        (await s.Dispatch.NextDueAsync(Channel.Sms, Priority.Low, None)).ShouldBe(Now);
        (await s.Dispatch.NextDueAsync(Channel.Push, Priority.Normal, None)).ShouldBeNull();
        await s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Now.AddMinutes(2), Now.AddMinutes(3), "lane-a", 1, _gate, None);
        (await s.Dispatch.NextDueAsync(Channel.Sms, Priority.Normal, None)).ShouldBe(Now.AddMinutes(3));
    }
}

public sealed class SqliteDispatchTests : DispatchContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresDispatchTests : DispatchContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
