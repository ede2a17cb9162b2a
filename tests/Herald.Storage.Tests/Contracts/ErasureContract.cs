using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Right to erasure: personal data goes, anonymous delivery records stay, unsent work is cancelled, others are untouched.</summary>
public abstract class ErasureContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Pseudonym = "erased-0123456789abcdef";

    protected abstract Task<StoreHandle> OpenAsync();

    private static IErasureStore Erasure(StoreHandle s) => s.Port<IErasureStore>();

    /// <summary>A user with a profile, preferences, two devices, a sent in-app item in the feed, a sent SMS, a queued email, an outbox message and an endpoint.</summary>
    private static async Task SeedUserAsync(StoreHandle s, string user)
    {
        await s.Users.UpsertUserAsync(new UserProfile(user, user + "@example.com", "+14155550100", "en", "Europe/Paris", Now), None);
        await s.Users.SavePreferencesAsync(new UserPreferences(user, [new PreferenceRule("marketing.*", "email", false)]), Now, None);
        await s.Users.AddDeviceAsync(new Device("dev_a_" + user, user, "token-a-" + user, "android", null, Now, Now), None);
        await s.Users.AddDeviceAsync(new Device("dev_b_" + user, user, "token-b-" + user, "ios", null, Now, Now), None);

        var inApp = await DispatchSamples.SeedClaimedAsync(s, "dlv_inapp_" + user, Channel.InApp, recipient: user, target: user);
        var item = new FeedItem(0, user, inApp.NotificationId, inApp.Id, "order.shipped", "Hello " + user, "Your order", null, null, Now, null, null);
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(inApp, "lane-a") with { FeedItem = item }], Now, None)).ShouldBe([true]);

        var sms = await DispatchSamples.SeedClaimedAsync(s, "dlv_sms_" + user, Channel.Sms, recipient: user, target: "+14155550100");
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(sms, "lane-a", providerMessageId: "SM" + user)], Now, None)).ShouldBe([true]);

        // Two push deliveries of one notification: the erased targets must stay distinct.
        await DispatchSamples.SeedAsync(s, "ntf_queued_" + user,
        [
            DispatchSamples.Delivery("dlv_push_a_" + user, "ntf_queued_" + user, channel: Channel.Push, recipient: user, target: "token-a-" + user),
            DispatchSamples.Delivery("dlv_push_b_" + user, "ntf_queued_" + user, channel: Channel.Push, recipient: user, target: "token-b-" + user),
        ], user);

        await s.Outbox.InsertOutboxAsync(new OutboxMessage(0, sms.Id, Channel.Sms, "capture", user, "+14155550100", "{\"body\":\"secret\"}", Now), None);
        await s.Endpoints.InsertEndpointAsync(new WebhookEndpoint("ep_" + user, user, "https://example.com/" + user, "whsec_x", ["*"], null, true, null, null, Now), None);
        await s.Port<Herald.Core.Campaigns.ICampaignStore>().SubscribeAsync(Environments.Default, "news", user, Now, None);
    }

    [Fact]
    public async Task EraseUserAsync_RemovesPersonalDataKeepsAnonymousRecordsAndCancelsUnsent()
    {
        await using var s = await OpenAsync();
        await SeedUserAsync(s, "u1");
        await SeedUserAsync(s, "u2");
        var lifecycle = new Notification("ntf_ops_1", "delivery.sent", "_ops", Priority.Normal, NotificationStatus.Completed, "_lifecycle", null, [Channel.Webhook],
            "{\"type\":\"delivery.sent\",\"timestamp\":\"2026-05-01T12:00:00Z\",\"data\":{\"recipient_id\":\"u1\",\"delivery_id\":\"dlv_sms_u1\"}}", null, null, Now, Now);
        await s.Ingest.AcceptAsync([new IngestItem([lifecycle], null)], Now, None);

        var summary = await Erasure(s).EraseUserAsync(Environments.Default, "u1", Pseudonym, Now.AddMinutes(1), None);

        summary.ShouldBe(new ErasureSummary(Profile: true, Devices: 2, FeedItems: 1, Notifications: 3, Deliveries: 4, Cancelled: 2, OutboxMessages: 1,
            WebhookEndpoints: 1, LifecycleEvents: 1, Subscriptions: 1));
        (await s.Port<Herald.Core.Campaigns.ICampaignStore>().ListSubscribersAsync(Environments.Default, "news", null, 10, None)).ShouldBe(["u2"]);
        (await s.Users.GetUserAsync(Environments.Default, "u1", None)).ShouldBeNull();
        (await s.Users.GetPreferencesAsync(Environments.Default, "u1", None)).ShouldBeNull();
        (await s.Users.GetDevicesAsync(Environments.Default, "u1", None)).ShouldBeEmpty();
        (await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None)).ShouldBeEmpty();
        (await s.Queries.ListNotificationsAsync(Environments.Default, "u1", null, 10, null, None)).ShouldBeEmpty();
        (await s.Outbox.ListOutboxAsync(null, "u1", 10, null, None)).ShouldBeEmpty();
        (await s.Endpoints.GetEndpointsForRecipientAsync(Environments.Default, "u1", None)).ShouldBeEmpty();

        // Kept for counts, under the pseudonym and without content.
        var kept = await s.Queries.ListNotificationsAsync(Environments.Default, Pseudonym, null, 10, null, None);
        kept.Count.ShouldBe(3);
        kept.ShouldAllBe(n => n.Data == "{}" && n.IdempotencyKey == null);
        kept.Single(n => n.Id == "ntf_queued_u1").Status.ShouldBe(NotificationStatus.Cancelled);
        var sent = await DispatchSamples.GetAsync(s, "dlv_sms_u1");
        sent.Status.ShouldBe(DeliveryStatus.Sent);
        sent.RecipientId.ShouldBe(Pseudonym);
        sent.Target.ShouldBe("[erased]:dlv_sms_u1");
        sent.Content.ShouldBe("{}");
        sent.ProviderMessageId.ShouldBeNull();
        (await s.Tracking.FindTrackedDeliveryAsync(null, "SMu1", None)).ShouldBeNull();
        var pushes = await s.Queries.GetDeliveriesAsync("ntf_queued_u1", None);
        pushes.Select(d => d.Status).ShouldBe([DeliveryStatus.Cancelled, DeliveryStatus.Cancelled]);
        pushes.Select(d => d.Target).Distinct().Count().ShouldBe(2);
        (await s.Queries.GetTraceAsync("ntf_dlv_sms_u1", None))
            .ShouldAllBe(t => t.Reason == "[erased]");
        (await s.Queries.GetNotificationAsync("ntf_ops_1", None))!.Data.ShouldNotContain("\"u1\"");
        (await s.Queries.GetNotificationAsync("ntf_ops_1", None))!.Data.ShouldContain(Pseudonym);

        // Nothing queued for u1 can be claimed any more.
        (await s.Dispatch.ClaimDueAsync(Channel.Push, Priority.Normal, Now.AddMinutes(2), Now.AddMinutes(3), "lane-b", 10, DispatchSamples.Gate(), None))
            .Select(d => d.RecipientId).ShouldBe(["u2", "u2"], ignoreOrder: true);

        // The other user is untouched.
        (await s.Users.GetUserAsync(Environments.Default, "u2", None)).ShouldNotBeNull();
        (await s.Users.GetDevicesAsync(Environments.Default, "u2", None)).Count.ShouldBe(2);
        (await s.Feed.GetFeedAsync(Environments.Default, "u2", false, 10, null, None)).ShouldHaveSingleItem().Title.ShouldBe("Hello u2");
        (await DispatchSamples.GetAsync(s, "dlv_sms_u2")).Target.ShouldBe("+14155550100");
        (await s.Outbox.ListOutboxAsync(null, "u2", 10, null, None)).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task EraseUserAsync_OpenDigest_ItemsClearedAndNeverSent()
    {
        await using var s = await OpenAsync();
        var n = new Notification("ntf_dg1", "post.liked", "u1", Priority.Normal, NotificationStatus.Accepted, "post", 1, null, "{\"who\":\"Alice\"}", null, null, Now, Now);
        await s.Ingest.AcceptAsync([new IngestItem([n], null)], Now, None);
        await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now.AddMinutes(1), 10, None);
        await s.Plans.CompletePlanningAsync([new PlanResult(n.Id, [], [], NotificationStatus.Digested,
            new Herald.Core.Digests.DigestAppend("u1", "post.liked", Herald.Core.Digests.DigestKinds.Batch, "post-1", n.Id, "", n.Data, Now.AddMinutes(1), 10, "digest", null))], Now, None);

        var summary = await Erasure(s).EraseUserAsync(Environments.Default, "u1", Pseudonym, Now, None);

        summary.DigestItems.ShouldBe(1);
        (await s.Port<Herald.Core.Digests.IDigestStore>().CloseDueDigestsAsync(Now.AddMinutes(2), 10, None)).ShouldBe(0, "an erased user's open digest is not sent");
        (await s.Queries.ListNotificationsAsync(Environments.Default, Pseudonym, null, 10, null, None)).ShouldHaveSingleItem().Data.ShouldBe("{}");
    }

    [Fact]
    public async Task EraseUserAsync_UnknownUser_ChangesNothingAndReportsZero()
    {
        await using var s = await OpenAsync();
        await SeedUserAsync(s, "u2");

        var summary = await Erasure(s).EraseUserAsync(Environments.Default, "nobody", Pseudonym, Now, None);

        summary.ShouldBe(new ErasureSummary(false, 0, 0, 0, 0, 0, 0, 0, 0));
        (await s.Users.GetUserAsync(Environments.Default, "u2", None)).ShouldNotBeNull();
    }

    [Fact]
    public async Task EraseUserAsync_SendInFlight_CompletionNoLongerAppliesAndWritesNoFeedItem()
    {
        await using var s = await OpenAsync();
        var claimed = await DispatchSamples.SeedClaimedAsync(s, "dlv_flight", Channel.InApp, recipient: "u1", target: "u1");

        await Erasure(s).EraseUserAsync(Environments.Default, "u1", Pseudonym, Now, None);

        var item = new FeedItem(0, "u1", claimed.NotificationId, claimed.Id, "order.shipped", "late", null, null, null, Now, null, null);
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "lane-a") with { FeedItem = item }], Now, None)).ShouldBe([false]);
        (await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None)).ShouldBeEmpty();
        (await DispatchSamples.GetAsync(s, "dlv_flight")).Status.ShouldBe(DeliveryStatus.Cancelled);
    }
}

public sealed class SqliteErasureTests : ErasureContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresErasureTests : ErasureContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
