using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// Channel fallback added in the settlement's transaction (completions and late failures): only while its condition holds
/// there, once per notification and channel, also when two nodes settle two devices of one notification at the same moment.
/// </summary>
public abstract class FallbackContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly TimeSpan Lease = DispatchSamples.Lease;
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    private static Delivery Push(string id, string notificationId) => DispatchSamples.Delivery(id, notificationId, channel: Channel.Push);

    private static FallbackPlan Plan(string notificationId, FallbackTrigger trigger, string smsId) => new(notificationId, Channel.Push, Channel.Sms, trigger,
        [DispatchSamples.Delivery(smsId, notificationId, channel: Channel.Sms)], [new TraceEntry(notificationId, Now, "fallback", "sms", "fallback", "push failed; falling back to sms")]);

    private static DeliveryCompletion Failed(Delivery d, string owner, FallbackPlan? plan, string status = DeliveryStatus.Failed, DateTimeOffset? due = null) =>
        new(d.Id, d.NotificationId, owner, status, due, "capture", "unregistered", "invalidtarget", null, Now, Now, [], Fallback: plan);

    private static async Task<IReadOnlyList<Delivery>> ClaimPushAsync(StoreHandle s, string owner = "lane-a") =>
        await s.Dispatch.ClaimDueAsync(Channel.Push, Priority.Normal, Now, Now + Lease, owner, 100, DispatchSamples.Gate(), None);

    [Fact]
    public async Task CompleteAsync_EveryDeviceFailsAtOnceOnTwoNodes_ExactlyOneFallbackPerNotification()
    {
        await using var s = await OpenAsync();
        await using var peer = await s.OpenPeerAsync();
        var plans = Enumerable.Range(0, 12).Select(i => ($"ntf_{i}", (IReadOnlyList<Delivery>)[Push($"dlv_{i}_a", $"ntf_{i}"), Push($"dlv_{i}_b", $"ntf_{i}")])).ToList();
        await DispatchSamples.SeedManyAsync(s, plans);
        var claimed = await ClaimPushAsync(s);
        claimed.Count.ShouldBe(24);

        // Each device's failure in its own settlement, the two of a notification on two nodes, all at once: each plans the
        // SMS (under its own id), and each alone would see its sibling still sending.
        await Task.WhenAll(claimed.Select(d => Task.Run(() => (d.Id.EndsWith("_a", StringComparison.Ordinal) ? s : peer).Dispatch
            .CompleteAsync([Failed(d, "lane-a", Plan(d.NotificationId, FallbackTrigger.Ended, "sms_" + d.Id))], Now, None))));

        foreach (var (id, _) in plans)
        {
            var deliveries = await s.Queries.GetDeliveriesAsync(id, None);
            deliveries.Count(d => d.Channel == Channel.Sms).ShouldBe(1, $"{id}: one SMS, not none and not one per device");
            (await s.Queries.GetTraceAsync(id, None)).Count(t => t.Stage == "fallback").ShouldBe(1);
            (await s.Queries.GetNotificationAsync(id, None))!.Status.ShouldBe(NotificationStatus.Processing, "the SMS is still to be sent");
        }
    }

    [Fact]
    public async Task CompleteAsync_OneDeviceFailsAnotherStillSending_NoFallbackUntilBothEnded()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [Push("dlv_a", "ntf_1"), Push("dlv_b", "ntf_1")]);
        var claimed = await ClaimPushAsync(s);

        await s.Dispatch.CompleteAsync([Failed(claimed[0], "lane-a", Plan("ntf_1", FallbackTrigger.Ended, "sms_1"))], Now, None);
        (await s.Queries.GetDeliveriesAsync("ntf_1", None)).ShouldNotContain(d => d.Channel == Channel.Sms);

        await s.Dispatch.CompleteAsync([Failed(claimed[1], "lane-a", Plan("ntf_1", FallbackTrigger.Ended, "sms_2"))], Now, None);
        (await s.Queries.GetDeliveriesAsync("ntf_1", None)).Where(d => d.Channel == Channel.Sms).Select(d => d.Id).ShouldBe(["sms_2"]);
    }

    [Fact]
    public async Task CompleteAsync_DeadlineWhileAnotherDeviceWasSent_NoFallback()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [Push("dlv_a", "ntf_1"), Push("dlv_b", "ntf_1")]);
        var claimed = await ClaimPushAsync(s);
        await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed[0], "lane-a")], Now, None);

        await s.Dispatch.CompleteAsync([Failed(claimed[1], "lane-a", Plan("ntf_1", FallbackTrigger.Deadline, "sms_1"), DeliveryStatus.Retrying, Now.AddSeconds(30))], Now, None);

        (await s.Queries.GetDeliveriesAsync("ntf_1", None)).ShouldNotContain(d => d.Channel == Channel.Sms);
    }

    [Fact]
    public async Task CompleteAsync_DeadlineWhileAnotherDeviceRetries_FallbackOnceThenNeverAgain()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [Push("dlv_a", "ntf_1"), Push("dlv_b", "ntf_1")]);
        var claimed = await ClaimPushAsync(s);
        await s.Dispatch.CompleteAsync([Failed(claimed[0], "lane-a", null, DeliveryStatus.Retrying, Now.AddSeconds(1))], Now, None);

        await s.Dispatch.CompleteAsync([Failed(claimed[1], "lane-a", Plan("ntf_1", FallbackTrigger.Deadline, "sms_1"), DeliveryStatus.Retrying, Now.AddSeconds(30))], Now, None);
        var again = await s.Dispatch.ClaimDueAsync(Channel.Push, Priority.Normal, Now.AddMinutes(1), Now.AddMinutes(2), "lane-b", 10, DispatchSamples.Gate(), None);
        await s.Dispatch.CompleteAsync([.. again.Select(d => Failed(d, "lane-b", Plan("ntf_1", FallbackTrigger.Ended, "sms_" + d.Id), DeliveryStatus.Dead))], Now, None);

        var deliveries = await s.Queries.GetDeliveriesAsync("ntf_1", None);
        deliveries.Where(d => d.Channel == Channel.Sms).Select(d => d.Id).ShouldBe(["sms_1"]);
        deliveries.Where(d => d.Channel == Channel.Push).ShouldAllBe(d => d.Status == DeliveryStatus.Dead);
    }

    [Fact]
    public async Task ApplyTrackingAsync_LateFailureWhileSent_RetryingWithFallbackAndNotSent()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [Push("dlv_a", "ntf_1")]);
        var claimed = await ClaimPushAsync(s);
        await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed[0], "lane-a")], Now, None);

        var due = Now.AddSeconds(5);
        var late = new TrackingUpdate("dlv_a", "ntf_1", DeliveryStatus.Failed, Now, new TraceEntry("ntf_1", Now, "track", "push", "failed", "undelivered"),
            Late: new LateOutcome(DeliveryStatus.Retrying, due, "undelivered: 30003"), Fallback: Plan("ntf_1", FallbackTrigger.Deadline, "sms_1"));
        await s.Tracking.ApplyTrackingAsync([late], Now, None);

        var d = await DispatchSamples.GetAsync(s, "dlv_a");
        d.Status.ShouldBe(DeliveryStatus.Retrying);
        d.DueAt.ShouldBe(due);
        d.SentAt.ShouldBeNull();
        d.LastError.ShouldBe("undelivered: 30003");
        (await s.Queries.GetDeliveriesAsync("ntf_1", None)).Where(x => x.Channel == Channel.Sms).Select(x => x.Id).ShouldBe(["sms_1"]);
        (await s.Dispatch.NextDueAsync(Channel.Push, Priority.Normal, None)).ShouldBe(due);

        // The same report again (a retried callback) finds it no longer sent: a plain forward-only update, no second SMS.
        await s.Tracking.ApplyTrackingAsync([late with { Fallback = Plan("ntf_1", FallbackTrigger.Deadline, "sms_2") }], Now, None);
        (await s.Queries.GetDeliveriesAsync("ntf_1", None)).Count(x => x.Channel == Channel.Sms).ShouldBe(1);
        (await DispatchSamples.GetAsync(s, "dlv_a")).Status.ShouldBe(DeliveryStatus.Retrying);

        // Nor does the stale report stick to the resend: it is sent, not failed by the old message's report.
        var resend = await s.Dispatch.ClaimDueAsync(Channel.Push, Priority.Normal, due, due + Lease, "lane-b", 10, DispatchSamples.Gate(), None);
        await s.Dispatch.CompleteAsync([DispatchSamples.Sent(resend.Single(), "lane-b", providerMessageId: "pm-2")], due, None);
        (await DispatchSamples.GetAsync(s, "dlv_a")).Status.ShouldBe(DeliveryStatus.Sent);
    }

    [Fact]
    public async Task CompleteAsync_SentAfterAFailureReportArrivedWhileSending_TheLateRetryInstead()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [Push("dlv_a", "ntf_1"), Push("dlv_b", "ntf_1")]);
        var claimed = await ClaimPushAsync(s);
        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate("dlv_a", "ntf_1", DeliveryStatus.Failed, Now, null)], Now, None);

        var due = Now.AddSeconds(7);
        await s.Dispatch.CompleteAsync([
            DispatchSamples.Sent(claimed[0], "lane-a") with { IfReportedFailed = new LateOutcome(DeliveryStatus.Retrying, due, "reported failed while settling") },
            DispatchSamples.Sent(claimed[1], "lane-a") with { IfReportedFailed = new LateOutcome(DeliveryStatus.Retrying, due, "reported failed while settling") }], Now, None);

        var a = await DispatchSamples.GetAsync(s, "dlv_a");
        (a.Status, a.DueAt, a.SentAt, a.TrackedStatus, a.LastError).ShouldBe((DeliveryStatus.Retrying, due, (DateTimeOffset?)null, (string?)null, "reported failed while settling"));
        (await DispatchSamples.GetAsync(s, "dlv_b")).Status.ShouldBe(DeliveryStatus.Sent, "no report arrived for it");
    }
}

public sealed class SqliteFallbackTests : FallbackContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresFallbackTests : FallbackContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
