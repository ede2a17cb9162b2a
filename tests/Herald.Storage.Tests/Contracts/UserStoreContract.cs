using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Profiles, preference rules and devices.</summary>
public abstract class UserStoreContract
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<StoreHandle> OpenAsync();

    private static UserKey Key(string userId) => new(Environments.Default, userId);

    [Fact]
    public async Task UpsertUserAsync_New_IsReadBack()
    {
        await using var s = await OpenAsync();
        var profile = new UserProfile("u1", "a@example.com", "+14155550123", "fr-CA", "Europe/London", Now);

        await s.Users.UpsertUserAsync(profile, CancellationToken.None);

        (await s.Users.GetUserAsync(Environments.Default, "u1", CancellationToken.None)).ShouldBe(profile);
    }

    [Fact]
    public async Task UpsertUserAsync_Existing_ReplacesProfileAndKeepsPreferences()
    {
        await using var s = await OpenAsync();
        await s.Users.UpsertUserAsync(new UserProfile("u1", "a@example.com", "+14155550123", "fr-CA", "Europe/London", Now), CancellationToken.None);
        await s.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("*", "sms", false)]), Now, CancellationToken.None);
        var changed = new UserProfile("u1", "b@example.com", null, null, "UTC", Now.AddHours(1));

        await s.Users.UpsertUserAsync(changed, CancellationToken.None);

        (await s.Users.GetUserAsync(Environments.Default, "u1", CancellationToken.None)).ShouldBe(changed);
        (await s.Users.GetPreferencesAsync(Environments.Default, "u1", CancellationToken.None))!.Rules.ShouldHaveSingleItem().Channel.ShouldBe("sms");
    }

    [Fact]
    public async Task GetUserAsync_Unknown_ReturnsNull()
    {
        await using var s = await OpenAsync();

        (await s.Users.GetUserAsync(Environments.Default, "nobody", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task SavePreferencesAsync_RulesRoundTripWithQuietHoursAndCap()
    {
        await using var s = await OpenAsync();
        PreferenceRule[] rules =
        [
            new("order.*", "sms", false),
            new("*", "*", true, new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 30), "Europe/Paris"), 5),
        ];

        await s.Users.SavePreferencesAsync(new UserPreferences("u1", rules), Now, CancellationToken.None);

        var saved = await s.Users.GetPreferencesAsync(Environments.Default, "u1", CancellationToken.None);
        saved.ShouldNotBeNull();
        saved.UserId.ShouldBe("u1");
        saved.Rules.ShouldBe(rules);
    }

    [Fact]
    public async Task SavePreferencesAsync_UnknownUser_CreatesBareProfile()
    {
        await using var s = await OpenAsync();

        await s.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("*", "email", false)]), Now, CancellationToken.None);

        (await s.Users.GetUserAsync(Environments.Default, "u1", CancellationToken.None)).ShouldBe(new UserProfile("u1", null, null, null, null, Now));
    }

    [Fact]
    public async Task SavePreferencesAsync_ExistingUser_ReplacesRulesAndKeepsProfile()
    {
        await using var s = await OpenAsync();
        var profile = new UserProfile("u1", "a@example.com", null, "en", null, Now);
        await s.Users.UpsertUserAsync(profile, CancellationToken.None);
        await s.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("*", "email", false)]), Now, CancellationToken.None);

        await s.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("order.*", "push", true)]), Now.AddHours(1), CancellationToken.None);

        (await s.Users.GetPreferencesAsync(Environments.Default, "u1", CancellationToken.None))!.Rules.ShouldBe([new PreferenceRule("order.*", "push", true)]);
        (await s.Users.GetUserAsync(Environments.Default, "u1", CancellationToken.None)).ShouldBe(profile);
    }

    [Fact]
    public async Task SavePreferencesAsync_EmptyRules_ReadBackEmpty()
    {
        await using var s = await OpenAsync();

        await s.Users.SavePreferencesAsync(new UserPreferences("u1", []), Now, CancellationToken.None);

        (await s.Users.GetPreferencesAsync(Environments.Default, "u1", CancellationToken.None))!.Rules.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetPreferencesAsync_UserWithoutPreferences_ReturnsNull()
    {
        await using var s = await OpenAsync();
        await s.Users.UpsertUserAsync(new UserProfile("u1", "a@example.com", null, null, null, Now), CancellationToken.None);

        (await s.Users.GetPreferencesAsync(Environments.Default, "u1", CancellationToken.None)).ShouldBeNull();
        (await s.Users.GetPreferencesAsync(Environments.Default, "nobody", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task GetRecipientAsync_ProfileAndRules_ReturnsBoth()
    {
        await using var s = await OpenAsync();
        await s.Users.UpsertUserAsync(new UserProfile("u1", "a@example.com", "+14155550123", "fr-CA", "Europe/London", Now), CancellationToken.None);
        await s.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("order.*", "sms", false)]), Now, CancellationToken.None);

        var (profile, rules) = await s.Users.GetRecipientAsync(Environments.Default, "u1", CancellationToken.None);

        profile!.Email.ShouldBe("a@example.com");
        profile.Locale.ShouldBe("fr-CA");
        rules.ShouldHaveSingleItem().ShouldBe(new PreferenceRule("order.*", "sms", false));
    }

    [Fact]
    public async Task GetRecipientAsync_ProfileWithoutPreferences_ReturnsNoRules()
    {
        await using var s = await OpenAsync();
        await s.Users.UpsertUserAsync(new UserProfile("u1", "a@example.com", null, null, null, Now), CancellationToken.None);

        var (profile, rules) = await s.Users.GetRecipientAsync(Environments.Default, "u1", CancellationToken.None);

        profile.ShouldNotBeNull();
        rules.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetRecipientAsync_UnknownUser_ReturnsNoProfileAndNoRules()
    {
        await using var s = await OpenAsync();

        var (profile, rules) = await s.Users.GetRecipientAsync(Environments.Default, "nobody", CancellationToken.None);

        profile.ShouldBeNull();
        rules.ShouldBeEmpty();
    }

    [Fact]
    public async Task AddDeviceAsync_New_ReturnsItAndListsIt()
    {
        await using var s = await OpenAsync();
        var device = new Device("dev_1", "u1", "tok-1", "ios", "1.2.3", Now, Now);

        var added = await s.Users.AddDeviceAsync(device, CancellationToken.None);

        added.ShouldBe(device);
        (await s.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None)).ShouldBe([device]);
    }

    [Fact]
    public async Task AddDeviceAsync_SameTokenAgain_KeepsTheDeviceAndRefreshesLastSeen()
    {
        await using var s = await OpenAsync();
        var first = new Device("dev_1", "u1", "tok-1", "ios", "1.0", Now, Now);
        await s.Users.AddDeviceAsync(first, CancellationToken.None);

        var again = await s.Users.AddDeviceAsync(new Device("dev_2", "u1", "tok-1", "ios", null, Now.AddDays(3), Now.AddDays(3)), CancellationToken.None);

        again.ShouldBe(first with { LastSeenAt = Now.AddDays(3) });
        (await s.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None)).ShouldBe([again]);
    }

    [Fact]
    public async Task AddDeviceAsync_SameTokenOtherUser_MovesItToThatUser()
    {
        await using var s = await OpenAsync();
        await s.Users.AddDeviceAsync(new Device("dev_1", "u1", "tok-1", "ios", "1.0", Now, Now), CancellationToken.None);
        await s.Users.AddDeviceAsync(new Device("dev_k", "u1", "tok-kept", "ios", null, Now, Now), CancellationToken.None);

        var moved = await s.Users.AddDeviceAsync(new Device("dev_2", "u2", "tok-1", "ios", "2.0", Now.AddDays(1), Now.AddDays(1)), CancellationToken.None);

        moved.ShouldBe(new Device("dev_2", "u2", "tok-1", "ios", "2.0", Now.AddDays(1), Now.AddDays(1)));
        (await s.Users.GetDevicesAsync(Environments.Default, "u2", CancellationToken.None)).ShouldBe([moved]);
        (await s.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None)).Select(d => d.Id).ShouldBe(["dev_k"]);
        (await s.Users.GetDevicesAsync([Key("u1"), Key("u2")], CancellationToken.None))[Key("u1")].Select(d => d.Token).ShouldBe(["tok-kept"]);
    }

    [Fact]
    public async Task AddDeviceAsync_TokenMovesToOtherUser_PreviousOwnersUnsentPushToItCancelled()
    {
        await using var s = await OpenAsync();
        var now = DispatchSamples.Now;
        await s.Users.AddDeviceAsync(new Device("dev_1", "u1", "tok-1", "ios", null, now, now), CancellationToken.None);
        await s.Users.AddDeviceAsync(new Device("dev_k", "u1", "tok-kept", "ios", null, now, now), CancellationToken.None);
        // u1's push to the token, waiting (quiet hours, a retry); one to the token it keeps; and one of another user.
        await DispatchSamples.SeedAsync(s, "ntf_1", [
            DispatchSamples.Delivery("dlv_moved", "ntf_1", channel: Channel.Push, target: "tok-1") with { Platform = "ios" },
            DispatchSamples.Delivery("dlv_kept", "ntf_1", channel: Channel.Push, target: "tok-kept") with { Platform = "ios" }]);
        await DispatchSamples.SeedAsync(s, "ntf_2", [DispatchSamples.Delivery("dlv_moved_only", "ntf_2", channel: Channel.Push, target: "tok-1") with { Platform = "ios" }]);

        await s.Users.AddDeviceAsync(new Device("dev_2", "u2", "tok-1", "ios", null, now.AddMinutes(1), now.AddMinutes(1)), CancellationToken.None);

        (await DispatchSamples.GetAsync(s, "dlv_moved")).Status.ShouldBe(DeliveryStatus.Cancelled);
        (await DispatchSamples.GetAsync(s, "dlv_moved_only")).Status.ShouldBe(DeliveryStatus.Cancelled);
        (await DispatchSamples.GetAsync(s, "dlv_kept")).Status.ShouldBe(DeliveryStatus.Queued);
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Queries.GetNotificationAsync("ntf_2", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Completed);
        (await s.Queries.GetTraceAsync("ntf_2", CancellationToken.None)).ShouldContain(t => t.Decision == "cancelled" && t.Channel == "push"
            && t.Reason.StartsWith("the push token was registered by another user", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddDeviceAsync_SameTokenOtherPlatform_IsAnotherDevice()
    {
        await using var s = await OpenAsync();
        await s.Users.AddDeviceAsync(new Device("dev_1", "u1", "tok-1", "ios", null, Now, Now), CancellationToken.None);

        await s.Users.AddDeviceAsync(new Device("dev_2", "u2", "tok-1", "web", null, Now, Now), CancellationToken.None);

        (await s.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None)).ShouldHaveSingleItem().Platform.ShouldBe("ios");
        (await s.Users.GetDevicesAsync(Environments.Default, "u2", CancellationToken.None)).ShouldHaveSingleItem().Platform.ShouldBe("web");
    }

    [Fact]
    public async Task AddDeviceAsync_ConcurrentSameToken_OneDevice()
    {
        await using var s = await OpenAsync();

        var added = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => s.Users.AddDeviceAsync(new Device($"dev_{i}", "u1", "tok-1", "ios", null, Now, Now), CancellationToken.None)))).WaitAsync(TimeSpan.FromSeconds(30));

        added.Select(d => d.Id).Distinct().ShouldHaveSingleItem();
        (await s.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None)).ShouldHaveSingleItem().Id.ShouldBe(added[0].Id);
    }

    [Fact]
    public async Task AddDeviceAsync_ConcurrentSameTokenManyUsers_OneOwnerTheLastRegistration()
    {
        await using var s = await OpenAsync();
        string[] users = [.. Enumerable.Range(0, 8).Select(i => $"u{i}")];

        var added = await Task.WhenAll(users.Select(u =>
            Task.Run(() => s.Users.AddDeviceAsync(new Device("dev_" + u, u, "tok-shared", "android", null, Now, Now), CancellationToken.None)))).WaitAsync(TimeSpan.FromSeconds(30));

        var owners = (await s.Users.GetDevicesAsync([.. users.Select(Key)], CancellationToken.None)).Where(kv => kv.Value.Count > 0).ToList();
        var owner = owners.ShouldHaveSingleItem();
        owner.Value.ShouldHaveSingleItem().Id.ShouldBe("dev_" + owner.Key.UserId);
        // Whoever registered last owns it: every registration answered with the device as it then stood, one of them with this.
        added.ShouldContain(d => d.UserId == owner.Key.UserId && d.Id == "dev_" + owner.Key.UserId);
    }

    [Fact]
    public async Task PruneDevicesAsync_SeenBeforeTheCutoff_RemovesOnlyThose()
    {
        await using var s = await OpenAsync();
        await s.Users.AddDeviceAsync(new Device("dev_old", "u1", "tok-old", "ios", null, Now, Now), CancellationToken.None);
        await s.Users.AddDeviceAsync(new Device("dev_back", "u1", "tok-back", "ios", null, Now, Now), CancellationToken.None);
        await s.Users.AddDeviceAsync(new Device("dev_new", "u2", "tok-new", "web", null, Now.AddDays(200), Now.AddDays(200)), CancellationToken.None);
        // Registered again later: its last_seen_at moves past the cutoff although it was created before it.
        await s.Users.AddDeviceAsync(new Device("dev_again", "u1", "tok-back", "ios", null, Now.AddDays(250), Now.AddDays(250)), CancellationToken.None);

        var pruned = await s.Users.PruneDevicesAsync(Now.AddDays(100), CancellationToken.None);

        pruned.ShouldBe(1);
        (await s.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None)).Select(d => d.Id).ShouldBe(["dev_back"]);
        (await s.Users.GetDevicesAsync(Environments.Default, "u2", CancellationToken.None)).Select(d => d.Id).ShouldBe(["dev_new"]);
        (await s.Users.PruneDevicesAsync(Now.AddDays(100), CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task GetDevicesAsync_OrderedByCreationThenId()
    {
        await using var s = await OpenAsync();
        await s.Users.AddDeviceAsync(new Device("dev_c", "u1", "tok-c", "ios", null, Now.AddMinutes(2), Now.AddMinutes(2)), CancellationToken.None);
        await s.Users.AddDeviceAsync(new Device("dev_b", "u1", "tok-b", "ios", null, Now, Now), CancellationToken.None);
        await s.Users.AddDeviceAsync(new Device("dev_a", "u1", "tok-a", "web", null, Now, Now), CancellationToken.None);
        await s.Users.AddDeviceAsync(new Device("dev_x", "u2", "tok-x", "web", null, Now, Now), CancellationToken.None);

        var devices = await s.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None);

        devices.Select(d => d.Id).ShouldBe(["dev_a", "dev_b", "dev_c"]);
        (await s.Users.GetDevicesAsync(Environments.Default, "nobody", CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task DeleteDeviceAsync_OwnDevice_RemovesIt()
    {
        await using var s = await OpenAsync();
        await s.Users.AddDeviceAsync(new Device("dev_1", "u1", "tok-1", "ios", null, Now, Now), CancellationToken.None);

        (await s.Users.DeleteDeviceAsync(Environments.Default, "u1", "dev_1", CancellationToken.None)).ShouldBeTrue();

        (await s.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None)).ShouldBeEmpty();
        (await s.Users.DeleteDeviceAsync(Environments.Default, "u1", "dev_1", CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task DeleteDeviceAsync_OtherUsersDevice_RefusedAndKept()
    {
        await using var s = await OpenAsync();
        await s.Users.AddDeviceAsync(new Device("dev_1", "u1", "tok-1", "ios", null, Now, Now), CancellationToken.None);

        (await s.Users.DeleteDeviceAsync(Environments.Default, "u2", "dev_1", CancellationToken.None)).ShouldBeFalse();

        (await s.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None)).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task GetRecipientsAsync_Batch_EveryIdWithItsProfileRulesDevicesAndEndpoints()
    {
        await using var s = await OpenAsync();
        var none = CancellationToken.None;
        await s.Users.UpsertUserAsync(new UserProfile("u1", "a@example.com", null, null, null, Now), none);
        await s.Users.UpsertUserAsync(new UserProfile("u2", null, "+14155550123", null, null, Now), none);
        await s.Users.SavePreferencesAsync(new UserPreferences("u2", [new PreferenceRule("*", "sms", false)]), Now, none);
        await s.Users.AddDeviceAsync(new Device("dev_1", "u1", "tok-1", "ios", null, Now, Now), none);
        await s.Users.AddDeviceAsync(new Device("dev_2", "u1", "tok-2", "android", null, Now.AddSeconds(1), Now.AddSeconds(1)), none);
        await s.Endpoints.InsertEndpointAsync(new WebhookEndpoint("ep_1", "u2", "https://example.com/u2", "whsec_x", ["*"], null, true, null, null, Now), none);
        string[] ids = ["u1", "u2", "u-unknown"];
        UserKey[] keys = [.. ids.Select(Key)];

        var recipients = await s.Users.GetRecipientsAsync(keys, none);
        var devices = await s.Users.GetDevicesAsync(keys, none);
        var endpoints = await s.Endpoints.GetEndpointsForRecipientsAsync(Environments.Default, ids, none);

        recipients.Keys.ShouldBe(keys, ignoreOrder: true);
        recipients[Key("u1")].Profile!.Email.ShouldBe("a@example.com");
        recipients[Key("u2")].Rules.ShouldHaveSingleItem().Channel.ShouldBe("sms");
        recipients[Key("u-unknown")].Profile.ShouldBeNull();
        recipients[Key("u-unknown")].Rules.ShouldBeEmpty();
        devices[Key("u1")].Select(d => d.Id).ShouldBe(["dev_1", "dev_2"]);
        devices[Key("u2")].ShouldBeEmpty();
        endpoints["u2"].ShouldHaveSingleItem().Id.ShouldBe("ep_1");
        endpoints["u1"].ShouldBeEmpty();
        endpoints["u-unknown"].ShouldBeEmpty();
    }
}

public sealed class SqliteUserStoreTests : UserStoreContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresUserStoreTests : UserStoreContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
