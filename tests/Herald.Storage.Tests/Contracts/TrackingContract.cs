using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Herald.Core.Tracking;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Provider reports: statuses only move forward, reports during the send wait for the completion, suppressions.</summary>
public abstract class TrackingContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    private static TrackingUpdate Report(Delivery d, string status, DateTimeOffset at, string reason = "provider says so") =>
        new(d.Id, d.NotificationId, status, at, new TraceEntry(d.NotificationId, at, "tracking", d.Channel.ToWire(), status, reason));

    private static async Task<Delivery> SentAsync(StoreHandle s, string deliveryId = "dlv_1", string providerMessageId = "pm-1")
    {
        var claimed = await DispatchSamples.SeedClaimedAsync(s, deliveryId, Channel.Email);
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "lane-a", providerMessageId: providerMessageId)], Now, None)).ShouldBe([true]);
        return claimed;
    }

    private static Suppression Suppressed(string address, string reason = "hard bounce", DateTimeOffset? at = null, Channel channel = Channel.Email) =>
        new(channel, address, reason, "smtp", at ?? Now);

    [Fact]
    public async Task FindTrackedDeliveryAsync_ByIdElseByProviderMessageId()
    {
        await using var s = await OpenAsync();
        await SentAsync(s, "dlv_1", "pm-1");
        await SentAsync(s, "dlv_2", "pm-2");

        (await s.Tracking.FindTrackedDeliveryAsync("dlv_1", null, None))!.Id.ShouldBe("dlv_1");
        (await s.Tracking.FindTrackedDeliveryAsync(null, "pm-2", None))!.Id.ShouldBe("dlv_2");
        (await s.Tracking.FindTrackedDeliveryAsync("dlv_1", "pm-2", None))!.Id.ShouldBe("dlv_1");
        (await s.Tracking.FindTrackedDeliveryAsync("dlv_9", "pm-2", None)).ShouldBeNull();
        (await s.Tracking.FindTrackedDeliveryAsync(null, "pm-9", None)).ShouldBeNull();
        (await s.Tracking.FindTrackedDeliveryAsync(null, null, None)).ShouldBeNull();
    }

    [Fact]
    public async Task ApplyTrackingAsync_WithLifecycleEvent_InsertsItOnlyWhenTheReportMovesForward()
    {
        await using var s = await OpenAsync();
        var d = await SentAsync(s);
        static Notification Event(string id) => new(id, "delivery.delivered", "_ops", Priority.Normal, NotificationStatus.Accepted, "_lifecycle", null,
            [Channel.Webhook], "{}", null, null, Now, Now);

        await s.Tracking.ApplyTrackingAsync([Report(d, DeliveryStatus.Delivered, Now.AddSeconds(1)) with { LifecycleEvent = Event("ntf_evt_1") }], Now.AddSeconds(1), None);
        await s.Tracking.ApplyTrackingAsync([Report(d, DeliveryStatus.Delivered, Now.AddSeconds(2)) with { LifecycleEvent = Event("ntf_evt_2") }], Now.AddSeconds(2), None);

        (await s.Queries.GetNotificationAsync("ntf_evt_1", None))!.RecipientId.ShouldBe("_ops");
        (await s.Queries.GetNotificationAsync("ntf_evt_2", None)).ShouldBeNull();
    }

    [Fact]
    public async Task ApplyTrackingAsync_StatusesOnlyMoveForward()
    {
        await using var s = await OpenAsync();
        var d = await SentAsync(s);

        await s.Tracking.ApplyTrackingAsync([Report(d, DeliveryStatus.Delivered, Now.AddSeconds(1))], Now.AddSeconds(1), None);
        await s.Tracking.ApplyTrackingAsync([Report(d, DeliveryStatus.Opened, Now.AddSeconds(2))], Now.AddSeconds(2), None);
        await s.Tracking.ApplyTrackingAsync([Report(d, DeliveryStatus.Delivered, Now.AddSeconds(3))], Now.AddSeconds(3), None);

        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Opened);
        after.DeliveredAt.ShouldBe(Now.AddSeconds(1));
        after.UpdatedAt.ShouldBe(Now.AddSeconds(2));
        (await s.Queries.GetTraceAsync(d.NotificationId, None)).Count(t => t.Stage == "tracking").ShouldBe(3);
    }

    [Fact]
    public async Task ApplyTrackingAsync_OneBatchOutOfOrder_EndsAtHighestStatus()
    {
        await using var s = await OpenAsync();
        var d = await SentAsync(s);

        await s.Tracking.ApplyTrackingAsync([Report(d, DeliveryStatus.Clicked, Now.AddSeconds(5)), Report(d, DeliveryStatus.Delivered, Now.AddSeconds(1))], Now, None);

        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Clicked);
        after.DeliveredAt.ShouldBe(Now.AddSeconds(5));
    }

    [Fact]
    public async Task ApplyTrackingAsync_OpenedFirst_SetsDeliveredAt()
    {
        await using var s = await OpenAsync();
        var d = await SentAsync(s);

        await s.Tracking.ApplyTrackingAsync([Report(d, DeliveryStatus.Opened, Now.AddSeconds(7))], Now.AddSeconds(8), None);

        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Opened);
        after.DeliveredAt.ShouldBe(Now.AddSeconds(7));
    }

    [Fact]
    public async Task ApplyTrackingAsync_BounceAfterDelivered_EndsItWithError()
    {
        await using var s = await OpenAsync();
        var d = await SentAsync(s);
        await s.Tracking.ApplyTrackingAsync([Report(d, DeliveryStatus.Delivered, Now.AddSeconds(1))], Now, None);

        await s.Tracking.ApplyTrackingAsync([Report(d, DeliveryStatus.Bounced, Now.AddSeconds(2), "550 mailbox unavailable")], Now, None);
        await s.Tracking.ApplyTrackingAsync([Report(d, DeliveryStatus.Clicked, Now.AddSeconds(3))], Now, None);

        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Bounced);
        after.LastError.ShouldBe("550 mailbox unavailable");
        after.DeliveredAt.ShouldBe(Now.AddSeconds(1));
    }

    [Fact]
    public async Task ApplyTrackingAsync_UnknownDelivery_OnlyTraceAndSuppressionApplied()
    {
        await using var s = await OpenAsync();
        await DispatchSamples.SeedAsync(s, "ntf_1", [DispatchSamples.Delivery("dlv_1", "ntf_1")]);

        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate("dlv_missing", "ntf_1", DeliveryStatus.Delivered, Now,
            new TraceEntry("ntf_1", Now, "tracking", "sms", "delivered", "late report"), Suppress: Suppressed("x@example.com"))], Now, None);

        (await s.Queries.GetTraceAsync("ntf_1", None)).ShouldContain(t => t.Reason == "late report");
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, null, null, 10, None)).Select(x => x.Address).ShouldBe(["x@example.com"]);
        (await DispatchSamples.GetAsync(s, "dlv_1")).Status.ShouldBe(DeliveryStatus.Queued);
    }

    [Fact]
    public async Task CompleteAsync_ReportArrivedWhileSending_AppliedAtCompletion()
    {
        await using var s = await OpenAsync();
        var claimed = await DispatchSamples.SeedClaimedAsync(s, "dlv_1", Channel.Email);

        await s.Tracking.ApplyTrackingAsync([Report(claimed, DeliveryStatus.Delivered, Now.AddSeconds(1))], Now.AddSeconds(1), None);
        (await DispatchSamples.GetAsync(s, "dlv_1")).Status.ShouldBe(DeliveryStatus.Sending);
        await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "lane-a")], Now.AddSeconds(2), None);

        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Delivered);
        after.DeliveredAt.ShouldBe(Now.AddSeconds(1));
        after.SentAt.ShouldBe(Now.AddSeconds(2));
        (await s.Queries.GetNotificationAsync(claimed.NotificationId, None))!.Status.ShouldBe(NotificationStatus.Completed);
    }

    [Fact]
    public async Task CompleteAsync_BounceArrivedWhileSending_EndsBounced()
    {
        await using var s = await OpenAsync();
        var claimed = await DispatchSamples.SeedClaimedAsync(s, "dlv_1", Channel.Email);
        await s.Tracking.ApplyTrackingAsync([Report(claimed, DeliveryStatus.Bounced, Now.AddSeconds(1), "550")], Now.AddSeconds(1), None);

        await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "lane-a")], Now.AddSeconds(2), None);

        var after = await DispatchSamples.GetAsync(s, "dlv_1");
        after.Status.ShouldBe(DeliveryStatus.Bounced);
    }

    [Fact]
    public async Task CompleteAsync_FailedWithReportWaiting_StaysFailed()
    {
        await using var s = await OpenAsync();
        var claimed = await DispatchSamples.SeedClaimedAsync(s, "dlv_1", Channel.Email);
        await s.Tracking.ApplyTrackingAsync([Report(claimed, DeliveryStatus.Delivered, Now.AddSeconds(1))], Now.AddSeconds(1), None);

        await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "lane-a") with { Status = DeliveryStatus.Failed, LastError = "rejected" }], Now.AddSeconds(2), None);

        (await DispatchSamples.GetAsync(s, "dlv_1")).Status.ShouldBe(DeliveryStatus.Failed);
    }

    [Fact]
    public async Task ApplyTrackingAsync_SuppressKeepsFirstAndUnsuppressNeedsSameReason()
    {
        await using var s = await OpenAsync();

        await s.Tracking.ApplyTrackingAsync([
            new TrackingUpdate(null, null, null, Now, null, Suppress: Suppressed("a@example.com", "complaint")),
            new TrackingUpdate(null, null, null, Now, null, Suppress: Suppressed("a@example.com", "hard bounce"))], Now, None);
        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null, Unsuppress: Suppressed("a@example.com", "hard bounce"))], Now, None);
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Email, "a@example.com", 10, None)).Select(x => x.Reason).ShouldBe(["complaint"]);

        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null, Unsuppress: Suppressed("a@example.com", "complaint"))], Now, None);
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Email, "a@example.com", 10, None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ApplyTrackingAsync_SuppressThenUnsuppressInOneBatch_AppliedInOrder()
    {
        await using var s = await OpenAsync();

        await s.Tracking.ApplyTrackingAsync([
            new TrackingUpdate(null, null, null, Now, null, Suppress: Suppressed("a@example.com", "stop")),
            new TrackingUpdate(null, null, null, Now, null, Unsuppress: Suppressed("a@example.com", "stop")),
            new TrackingUpdate(null, null, null, Now, null, Suppress: Suppressed("b@example.com", "stop"))], Now, None);

        (await s.Tracking.ListSuppressionsAsync(Environments.Default, null, null, 10, None)).Select(x => x.Address).ShouldBe(["b@example.com"]);
    }

    [Fact]
    public async Task ApplyTrackingAsync_EveryEnvironment_OneRowInEachEnvironment_LiftedInEachAlone()
    {
        await using var s = await OpenAsync();
        var apps = s.Port<IAppStore>();
        (await apps.CreateAppAsync(new App("app_b", "b", Now), None)).ShouldBeTrue();
        (await apps.CreateEnvironmentAsync(new AppEnvironment("env_b", "app_b", "production", Now), None)).ShouldBeTrue();
        // env_b holds its own opt-out of another reason already; the STOP adds beside nothing there, START lifts only "opt-out".
        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null, Suppress: Suppressed("+1555", "manual", channel: Channel.Sms) with { EnvironmentId = "env_b" })], Now, None);
        var stop = Suppressed("+1666", "opt-out", channel: Channel.Sms) with { EnvironmentId = Environments.Every };

        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null, Suppress: stop), new TrackingUpdate(null, null, null, Now, null, Suppress: stop with { Address = "+1555" })], Now, None);

        foreach (var env in new[] { Environments.Default, "env_b" })
        {
            (await s.Tracking.ListSuppressionsAsync(env, Channel.Sms, "+1666", 10, None)).Single().ShouldBe(stop with { EnvironmentId = env });
        }

        (await s.Tracking.ListSuppressionsAsync("env_b", Channel.Sms, "+1555", 10, None)).Single().Reason.ShouldBe("manual");
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Sms, "+1555", 10, None)).Single().Reason.ShouldBe("opt-out");

        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null, Unsuppress: stop), new TrackingUpdate(null, null, null, Now, null, Unsuppress: stop with { Address = "+1555" })], Now, None);

        (await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Sms, null, 10, None)).ShouldBeEmpty();
        (await s.Tracking.ListSuppressionsAsync("env_b", Channel.Sms, null, 10, None)).Select(x => x.Reason).ShouldBe(["manual"]);
    }

    [Fact]
    public async Task ListSuppressionsAsync_NewestFirstFilteredAndLimited()
    {
        await using var s = await OpenAsync();
        await s.Tracking.ApplyTrackingAsync([
            new TrackingUpdate(null, null, null, Now, null, Suppress: Suppressed("a@example.com", at: Now)),
            new TrackingUpdate(null, null, null, Now, null, Suppress: Suppressed("b@example.com", at: Now.AddMinutes(2))),
            new TrackingUpdate(null, null, null, Now, null, Suppress: Suppressed("+1555", "STOP", Now.AddMinutes(1), Channel.Sms))], Now, None);

        (await s.Tracking.ListSuppressionsAsync(Environments.Default, null, null, 10, None)).Select(x => x.Address).ShouldBe(["b@example.com", "+1555", "a@example.com"]);
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Email, null, 10, None)).Select(x => x.Address).ShouldBe(["b@example.com", "a@example.com"]);
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, null, "+1555", 10, None)).Single().ShouldBe(Suppressed("+1555", "STOP", Now.AddMinutes(1), Channel.Sms));
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, null, null, 1, None)).Select(x => x.Address).ShouldBe(["b@example.com"]);
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, Channel.Push, null, 10, None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task RemoveSuppressionAsync_AnyReason_TrueOnceThenFalse()
    {
        await using var s = await OpenAsync();
        await s.Tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, Now, null, Suppress: Suppressed("a@example.com"))], Now, None);

        (await s.Tracking.RemoveSuppressionAsync(Environments.Default, Channel.Sms, "a@example.com", None)).ShouldBeFalse();
        (await s.Tracking.RemoveSuppressionAsync(Environments.Default, Channel.Email, "a@example.com", None)).ShouldBeTrue();
        (await s.Tracking.RemoveSuppressionAsync(Environments.Default, Channel.Email, "a@example.com", None)).ShouldBeFalse();
        (await s.Tracking.ListSuppressionsAsync(Environments.Default, null, null, 10, None)).ShouldBeEmpty();
    }

    private static Unsubscription OptOut(Delivery d, string user, string eventType, DateTimeOffset at) =>
        new(user, eventType, "email", new TraceEntry(d.NotificationId, at, "track", "email", "unsubscribed", $"{eventType} email disabled"));

    [Fact]
    public async Task UnsubscribeAsync_ReplacesTheRuleForItsEventTypeAndChannel_KeepsTheOthersAndTracesOnce()
    {
        await using var s = await OpenAsync();
        var d = await SentAsync(s);
        await s.Users.SavePreferencesAsync(new UserPreferences("u1",
            [new PreferenceRule("news", "email", true, FrequencyCap: 3), new PreferenceRule("news", "sms", false), new PreferenceRule("*", "push", false)]), Now, None);

        (await s.Tracking.UnsubscribeAsync(OptOut(d, "u1", "news", Now.AddSeconds(1)), Now.AddSeconds(1), None)).ShouldBeTrue();
        (await s.Tracking.UnsubscribeAsync(OptOut(d, "u1", "news", Now.AddSeconds(2)), Now.AddSeconds(2), None)).ShouldBeFalse();

        (await s.Users.GetPreferencesAsync(Environments.Default, "u1", None))!.Rules.ShouldBe(
            [new PreferenceRule("news", "sms", false), new PreferenceRule("*", "push", false), new PreferenceRule("news", "email", false)]);
        (await s.Queries.GetTraceAsync(d.NotificationId, None)).Count(t => t.Decision == "unsubscribed").ShouldBe(1);
    }

    [Fact]
    public async Task UnsubscribeAsync_UserWithoutRow_StoresTheRuleOnABareRow()
    {
        await using var s = await OpenAsync();
        var d = await SentAsync(s);

        (await s.Tracking.UnsubscribeAsync(OptOut(d, "nobody", "news", Now), Now, None)).ShouldBeTrue();

        (await s.Users.GetPreferencesAsync(Environments.Default, "nobody", None))!.Rules.ShouldBe([new PreferenceRule("news", "email", false)]);
        (await s.Users.GetUserAsync(Environments.Default, "nobody", None))!.Email.ShouldBeNull();
    }

    [Fact]
    public async Task UnsubscribeAsync_ConcurrentForOneUser_EveryOptOutSurvives()
    {
        await using var s = await OpenAsync();
        var d = await SentAsync(s);
        var types = Enumerable.Range(0, 16).Select(i => $"news.{i}").ToList();

        var applied = await Task.WhenAll(types.Select(t => Task.Run(() => s.Tracking.UnsubscribeAsync(OptOut(d, "u-race", t, Now), Now, None))))
            .WaitAsync(TimeSpan.FromSeconds(20));

        applied.ShouldAllBe(a => a);
        (await s.Users.GetPreferencesAsync(Environments.Default, "u-race", None))!.Rules.Select(r => r.EventType).ShouldBe(types, ignoreOrder: true);
        (await s.Queries.GetTraceAsync(d.NotificationId, None)).Count(t => t.Decision == "unsubscribed").ShouldBe(types.Count);
    }
}

public sealed class SqliteTrackingTests : TrackingContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresTrackingTests : TrackingContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
