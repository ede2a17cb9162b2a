using Herald.Core.Campaigns;
using Herald.Core.Domain;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Topic subscriptions and the campaign release: chunks move a cursor in their own transaction, so nothing is released twice.</summary>
public abstract class CampaignContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    private static ICampaignStore Campaigns(StoreHandle s) => s.Port<ICampaignStore>();

    private static Campaign Sample(string id, string? topic = "news", double? rate = null) =>
        new(id, CampaignKinds.Campaign, "sample", topic, new CampaignMessage("news.posted", "news", 1, [Channel.InApp], "{}", Priority.Low, null),
            new CampaignSchedule(Now, null, null), Now, rate, CampaignStatus.Scheduled, null, 0, false, Now);

    private static Notification N(string id, string user, string campaignId) =>
        new(id, "news.posted", user, Priority.Low, NotificationStatus.Scheduled, "news", 1, [Channel.InApp], "{}", null, campaignId, Now.AddMinutes(1), Now,
            CampaignId: campaignId);

    [Fact]
    public async Task ReleaseChunkAsync_StaleCursorOrOtherOwner_InsertsNothing()
    {
        await using var s = await OpenAsync();
        var store = Campaigns(s);
        foreach (var u in new[] { "a", "b", "c" })
        {
            await store.SubscribeAsync(Environments.Default, "news", u, Now, None);
        }

        (await store.CreateCampaignAsync(Sample("cmp_1"), null, Now, None)).ShouldBeTrue();
        var claimed = (await store.ClaimReleaseAsync(Now, Now.AddSeconds(30), "r1", None)).ShouldNotBeNull();
        (await store.ClaimReleaseAsync(Now, Now.AddSeconds(30), "r2", None)).ShouldBeNull();
        var audience = await store.ReadAudienceAsync(claimed, 2, None);
        audience.Select(a => a.UserId).ShouldBe(["a", "b"]);

        (await store.ReleaseChunkAsync("cmp_1", "r1", null, "b", false, [N("ntf_a", "a", "cmp_1"), N("ntf_b", "b", "cmp_1")], Now, Now.AddSeconds(30), None)).ShouldBeTrue();
        // The same chunk again (a retry after a lost answer), or by a process that lost the lease: nothing is inserted.
        (await store.ReleaseChunkAsync("cmp_1", "r1", null, "b", false, [N("ntf_a2", "a", "cmp_1"), N("ntf_b2", "b", "cmp_1")], Now, Now.AddSeconds(30), None)).ShouldBeFalse();
        (await store.ReleaseChunkAsync("cmp_1", "r2", "b", "c", true, [N("ntf_c2", "c", "cmp_1")], Now, Now.AddSeconds(30), None)).ShouldBeFalse();
        var after = (await store.GetCampaignAsync(Environments.Default, "cmp_1", None))!;
        (await store.ReadAudienceAsync(after, 10, None)).Select(a => a.UserId).ShouldBe(["c"]);
        (await store.ReleaseChunkAsync("cmp_1", "r1", "b", "c", true, [N("ntf_c", "c", "cmp_1")], Now, Now.AddSeconds(30), None)).ShouldBeTrue();

        var done = (await store.GetCampaignAsync(Environments.Default, "cmp_1", None))!;
        done.Status.ShouldBe(CampaignStatus.Released);
        done.Released.ShouldBe(3);
        done.Exhausted.ShouldBeTrue();
        foreach (var u in new[] { "a", "b", "c" })
        {
            (await s.Queries.ListNotificationsAsync(Environments.Default, u, null, 10, null, None)).ShouldHaveSingleItem().CampaignId.ShouldBe("cmp_1");
        }

        var progress = await store.GetProgressAsync(done, None);
        progress.Total.ShouldBe(3);
        progress.Released.ShouldBe(3);
        (await store.ClaimReleaseAsync(Now.AddMinutes(1), Now.AddMinutes(2), "r2", None)).ShouldBeNull();
    }

    [Fact]
    public async Task CreateCampaignAsync_SameIdTwice_SecondIsRefusedAndRecipientsAreKept()
    {
        await using var s = await OpenAsync();
        var store = Campaigns(s);

        (await store.CreateCampaignAsync(Sample("cmp_2", topic: null), ["x", "y", "x"], Now, None)).ShouldBeTrue();
        (await store.CreateCampaignAsync(Sample("cmp_2", topic: null), ["z"], Now, None)).ShouldBeFalse();
        (await store.AddRecipientsAsync(Environments.Default, "cmp_2", ["y", "w"], None)).ShouldBe(1);

        var campaign = (await store.GetCampaignAsync(Environments.Default, "cmp_2", None))!;
        (await store.ReadAudienceAsync(campaign, 10, None)).Select(a => a.UserId).ShouldBe(["w", "x", "y"]);
        campaign.Message.EventType.ShouldBe("news.posted");
        campaign.Message.Channels.ShouldBe([Channel.InApp]);
    }

    [Fact]
    public async Task PauseResumeCancel_HoldRestaggerAndCancelWaitingNotifications()
    {
        await using var s = await OpenAsync();
        var store = Campaigns(s);
        await store.SubscribeAsync(Environments.Default, "news", "a", Now, None);
        await store.SubscribeAsync(Environments.Default, "news", "b", Now, None);
        await store.CreateCampaignAsync(Sample("cmp_3", rate: 1), null, Now, None);
        await store.ClaimReleaseAsync(Now, Now.AddSeconds(30), "r1", None);
        await store.ReleaseChunkAsync("cmp_3", "r1", null, "b", true, [N("ntf_3a", "a", "cmp_3"), N("ntf_3b", "b", "cmp_3")], Now, Now.AddSeconds(30), None);

        (await store.PauseAsync(Environments.Default, "cmp_3", Now, None)).ShouldBeTrue();
        (await store.PauseAsync(Environments.Default, "cmp_3", Now, None)).ShouldBeFalse();
        (await s.Queries.GetNotificationAsync("ntf_3a", None))!.Status.ShouldBe(NotificationStatus.Paused);
        (await s.Plans.ClaimForPlanningAsync(Priority.Low, Now.AddHours(1), Now.AddHours(2), 10, None)).ShouldBeEmpty();

        var later = Now.AddMinutes(10);
        (await store.ResumeAsync(Environments.Default, "cmp_3", TimeSpan.FromSeconds(1), later, None)).ShouldBeTrue();
        var a = (await s.Queries.GetNotificationAsync("ntf_3a", None))!;
        var b = (await s.Queries.GetNotificationAsync("ntf_3b", None))!;
        a.Status.ShouldBe(NotificationStatus.Scheduled);
        a.DueAt.ShouldBe(later);
        b.DueAt.ShouldBe(later.AddSeconds(1));
        (await store.GetCampaignAsync(Environments.Default, "cmp_3", None))!.Status.ShouldBe(CampaignStatus.Released);

        (await store.CancelAsync(Environments.Default, "cmp_3", later, None)).ShouldBe(2);
        (await store.CancelAsync(Environments.Default, "cmp_3", later, None)).ShouldBeNull();
        (await s.Queries.GetNotificationAsync("ntf_3b", None))!.Status.ShouldBe(NotificationStatus.Cancelled);
    }
}

public sealed class SqliteCampaignTests : CampaignContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresCampaignTests : CampaignContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
