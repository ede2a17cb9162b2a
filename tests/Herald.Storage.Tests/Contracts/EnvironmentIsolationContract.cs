using Herald.Core.Campaigns;
using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// Users, preferences, devices, feed items, topic subscribers and erasure each live in one environment: the same user id,
/// token or topic in two environments is two resources, and what one environment writes, reads or deletes leaves the
/// other's exactly as it was.
/// </summary>
public abstract class EnvironmentIsolationContract
{
    private const string A = Environments.Default;
    private const string B = "env_other";
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    [Fact]
    public async Task UpsertUserAsync_SameIdInTwoEnvironments_EachReadsItsOwnProfile()
    {
        await using var s = await OpenAsync();
        var inA = new UserProfile("u1", "a@example.com", null, "en", "UTC", Now, A);
        var inB = new UserProfile("u1", "b@example.com", "+14155550123", "fr", "Europe/Paris", Now.AddHours(1), B);

        await s.Users.UpsertUserAsync(inA, None);
        await s.Users.UpsertUserAsync(inB, None);

        (await s.Users.GetUserAsync(A, "u1", None)).ShouldBe(inA);
        (await s.Users.GetUserAsync(B, "u1", None)).ShouldBe(inB);
        (await s.Users.GetUserAsync("env_third", "u1", None)).ShouldBeNull();
        (await s.Users.GetRecipientAsync(B, "u1", None)).Profile.ShouldBe(inB);
    }

    [Fact]
    public async Task SavePreferencesAsync_OneEnvironment_OtherEnvironmentsSameUserUnchanged()
    {
        await using var s = await OpenAsync();
        await s.Users.UpsertUserAsync(new UserProfile("u1", "a@example.com", null, null, null, Now, A), None);
        await s.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("*", "email", true)], A), Now, None);

        await s.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("*", "sms", false)], B), Now.AddHours(1), None);

        (await s.Users.GetPreferencesAsync(A, "u1", None))!.Rules.ShouldHaveSingleItem().Channel.ShouldBe("email");
        (await s.Users.GetPreferencesAsync(B, "u1", None))!.Rules.ShouldHaveSingleItem().Channel.ShouldBe("sms");
        (await s.Users.GetRecipientAsync(A, "u1", None)).Rules.ShouldHaveSingleItem().Enabled.ShouldBeTrue();
        (await s.Users.GetUserAsync(A, "u1", None))!.Email.ShouldBe("a@example.com", "B's preferences made B a bare user row of its own");
        (await s.Users.GetUserAsync(B, "u1", None))!.Email.ShouldBeNull();
    }

    [Fact]
    public async Task GetRecipientsAsync_BatchMixingEnvironments_EachKeyReadsItsOwnEnvironment()
    {
        await using var s = await OpenAsync();
        await s.Users.UpsertUserAsync(new UserProfile("u1", "a@example.com", null, null, null, Now, A), None);
        await s.Users.UpsertUserAsync(new UserProfile("u1", "b@example.com", null, null, null, Now, B), None);
        await s.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("*", "email", false)], B), Now, None);
        await s.Users.AddDeviceAsync(new Device("dev_a", "u1", "tok-a", "ios", null, Now, Now, A), None);
        await s.Users.AddDeviceAsync(new Device("dev_b", "u1", "tok-b", "ios", null, Now, Now, B), None);
        UserKey[] keys = [new(A, "u1"), new(B, "u1"), new("env_third", "u1")];

        var recipients = await s.Users.GetRecipientsAsync(keys, None);
        var devices = await s.Users.GetDevicesAsync(keys, None);

        recipients.Keys.ShouldBe(keys, ignoreOrder: true);
        recipients[keys[0]].Profile!.Email.ShouldBe("a@example.com");
        recipients[keys[0]].Rules.ShouldBeEmpty();
        recipients[keys[1]].Profile!.Email.ShouldBe("b@example.com");
        recipients[keys[1]].Rules.ShouldHaveSingleItem().Enabled.ShouldBeFalse();
        recipients[keys[2]].Profile.ShouldBeNull();
        devices[keys[0]].Select(d => d.Id).ShouldBe(["dev_a"]);
        devices[keys[1]].Select(d => d.Id).ShouldBe(["dev_b"]);
        devices[keys[2]].ShouldBeEmpty();
    }

    [Fact]
    public async Task AddDeviceAsync_SameTokenInTwoEnvironments_TwoDevicesNeitherMoved()
    {
        await using var s = await OpenAsync();
        var inA = await s.Users.AddDeviceAsync(new Device("dev_a", "u1", "tok-1", "ios", null, Now, Now, A), None);

        var inB = await s.Users.AddDeviceAsync(new Device("dev_b", "u2", "tok-1", "ios", null, Now.AddMinutes(1), Now.AddMinutes(1), B), None);
        var movedInA = await s.Users.AddDeviceAsync(new Device("dev_a3", "u3", "tok-1", "ios", null, Now.AddMinutes(2), Now.AddMinutes(2), A), None);

        inA.EnvironmentId.ShouldBe(A);
        inB.ShouldBe(new Device("dev_b", "u2", "tok-1", "ios", null, Now.AddMinutes(1), Now.AddMinutes(1), B));
        movedInA.Id.ShouldBe("dev_a3", "within A the token moved from u1 to u3");
        (await s.Users.GetDevicesAsync(A, "u1", None)).ShouldBeEmpty();
        (await s.Users.GetDevicesAsync(A, "u3", None)).ShouldBe([movedInA]);
        (await s.Users.GetDevicesAsync(B, "u2", None)).ShouldBe([inB], "A's registrations never take B's token");
        (await s.Users.GetDevicesAsync(A, "u2", None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task DeleteDeviceAsync_OtherEnvironmentsDevice_FalseAndKept()
    {
        await using var s = await OpenAsync();
        await s.Users.AddDeviceAsync(new Device("dev_a", "u1", "tok-1", "ios", null, Now, Now, A), None);
        await s.Users.AddDeviceAsync(new Device("dev_b", "u1", "tok-2", "ios", null, Now, Now, B), None);

        (await s.Users.DeleteDeviceAsync(B, "u1", "dev_a", None)).ShouldBeFalse();
        (await s.Users.DeleteDeviceAsync(B, "u1", "dev_b", None)).ShouldBeTrue();

        (await s.Users.GetDevicesAsync(A, "u1", None)).ShouldHaveSingleItem().Id.ShouldBe("dev_a");
        (await s.Users.GetDevicesAsync(B, "u1", None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetFeedAsync_SameUserInTwoEnvironments_EachSeesOnlyItsOwnItems()
    {
        await using var s = await OpenAsync();
        await AddFeedItemAsync(s, A, "u1", "a1");
        await AddFeedItemAsync(s, B, "u1", "b1");
        await AddFeedItemAsync(s, B, "u1", "b2");

        (await s.Feed.GetFeedAsync(A, "u1", false, 10, null, None)).Select(f => (f.Title, f.EnvironmentId)).ShouldBe([("a1", A)]);
        (await s.Feed.GetFeedAsync(B, "u1", false, 10, null, None)).Select(f => f.Title).ShouldBe(["b2", "b1"]);
        (await s.Feed.GetFeedSinceAsync(A, "u1", 0, 10, None)).Select(f => f.Title).ShouldBe(["a1"]);
        (await s.Feed.GetFeedSinceAsync(B, "u1", 0, 10, None)).Select(f => f.Title).ShouldBe(["b1", "b2"]);
        (await s.Feed.CountUnreadAsync(A, "u1", None)).ShouldBe(1);
        (await s.Feed.CountUnreadAsync(B, "u1", None)).ShouldBe(2);
    }

    [Fact]
    public async Task MarkReadAsync_OtherEnvironmentsItem_FalseAndItStaysUnread()
    {
        await using var s = await OpenAsync();
        var inA = await AddFeedItemAsync(s, A, "u1", "a1");
        await AddFeedItemAsync(s, B, "u1", "b1");

        (await s.Feed.MarkReadAsync(B, "u1", inA, Now, None)).ShouldBeFalse();
        (await s.Feed.ArchiveAsync(B, "u1", inA, Now, None)).ShouldBeFalse();
        (await s.Feed.MarkAllReadAsync(B, "u1", Now, None)).ShouldBe(1);

        (await s.Feed.CountUnreadAsync(A, "u1", None)).ShouldBe(1);
        (await s.Feed.GetFeedAsync(A, "u1", true, 10, null, None)).ShouldHaveSingleItem().ArchivedAt.ShouldBeNull();
        (await s.Feed.CountUnreadAsync(B, "u1", None)).ShouldBe(0);
        (await s.Feed.MarkReadAsync(A, "u1", inA, Now, None)).ShouldBeTrue();
        (await s.Feed.CountUnreadAsync(A, "u1", None)).ShouldBe(0);
    }

    [Fact]
    public async Task SubscribeAsync_SameTopicInTwoEnvironments_SeparateSubscriberLists()
    {
        await using var s = await OpenAsync();
        var topics = s.Port<ICampaignStore>();
        (await topics.SubscribeAsync(A, "news", "u1", Now, None)).ShouldBeTrue();
        (await topics.SubscribeAsync(A, "news", "u2", Now, None)).ShouldBeTrue();

        (await topics.SubscribeAsync(B, "news", "u1", Now, None)).ShouldBeTrue("B's u1 is another user, not yet subscribed");
        (await topics.UnsubscribeAsync(B, "news", "u2", None)).ShouldBeFalse();

        (await topics.ListSubscribersAsync(A, "news", null, 10, None)).ShouldBe(["u1", "u2"]);
        (await topics.ListSubscribersAsync(B, "news", null, 10, None)).ShouldBe(["u1"]);
        (await topics.UnsubscribeAsync(B, "news", "u1", None)).ShouldBeTrue();
        (await topics.ListSubscribersAsync(A, "news", null, 10, None)).ShouldBe(["u1", "u2"]);
        (await topics.ListSubscribersAsync(B, "news", null, 10, None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task EraseUserAsync_OneEnvironment_SameUserInOtherEnvironmentUntouched()
    {
        await using var s = await OpenAsync();
        var topics = s.Port<ICampaignStore>();
        foreach (var env in new[] { A, B })
        {
            await s.Users.UpsertUserAsync(new UserProfile("u1", env + "@example.com", null, null, null, Now, env), None);
            await s.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("*", "sms", false)], env), Now, None);
            await s.Users.AddDeviceAsync(new Device("dev_" + env, "u1", "tok-1", "ios", null, Now, Now, env), None);
            await topics.SubscribeAsync(env, "news", "u1", Now, None);
        }

        await AddFeedItemAsync(s, A, "u1", "a1");
        await AddFeedItemAsync(s, B, "u1", "b1");

        var summary = await s.Port<IErasureStore>().EraseUserAsync(B, "u1", "erased-x", Now.AddMinutes(1), None);

        (summary.Profile, summary.Devices, summary.FeedItems).ShouldBe((true, 1, 1));
        (await s.Users.GetUserAsync(B, "u1", None)).ShouldBeNull();
        (await s.Users.GetDevicesAsync(B, "u1", None)).ShouldBeEmpty();
        (await s.Feed.GetFeedAsync(B, "u1", false, 10, null, None)).ShouldBeEmpty();
        (await topics.ListSubscribersAsync(B, "news", null, 10, None)).ShouldBeEmpty();
        (await s.Users.GetUserAsync(A, "u1", None))!.Email.ShouldBe(A + "@example.com");
        (await s.Users.GetPreferencesAsync(A, "u1", None))!.Rules.ShouldHaveSingleItem();
        (await s.Users.GetDevicesAsync(A, "u1", None)).ShouldHaveSingleItem().Id.ShouldBe("dev_" + A);
        (await s.Feed.GetFeedAsync(A, "u1", false, 10, null, None)).ShouldHaveSingleItem().Title.ShouldBe("a1");
        (await topics.ListSubscribersAsync(A, "news", null, 10, None)).ShouldBe(["u1"]);
    }

    /// <summary>A sent in-app delivery's feed item for <paramref name="user"/> of <paramref name="environment"/>; returns its notification id.</summary>
    private static async Task<string> AddFeedItemAsync(StoreHandle s, string environment, string user, string title)
    {
        var claimed = await DispatchSamples.SeedClaimedAsync(s, "dlv_" + title, Channel.InApp, recipient: user);
        var item = new FeedItem(0, user, claimed.NotificationId, claimed.Id, "order.shipped", title, null, null, null, Now, null, null, environment);
        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "lane-a") with { FeedItem = item }], Now, None)).ShouldBe([true]);
        return claimed.NotificationId;
    }
}

public sealed class SqliteEnvironmentIsolationTests : EnvironmentIsolationContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresEnvironmentIsolationTests : EnvironmentIsolationContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
