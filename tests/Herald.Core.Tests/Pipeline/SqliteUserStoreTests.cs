using Herald.Core.Domain;
using Herald.Core.Preferences;

namespace Herald.Core.Tests.Pipeline;

/// <summary>The one-read recipient look-up planning uses, against the real SQLite store.</summary>
public sealed class SqliteUserStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private TempSqliteStore _temp = null!;

    public async Task InitializeAsync() => _temp = await TempSqliteStore.CreateAsync();

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    [Fact]
    public async Task GetRecipientAsync_ProfileAndRules_ReturnsBoth()
    {
        await _temp.Users.UpsertUserAsync(new UserProfile("u1", "a@example.com", "+14155550123", "fr-CA", "Europe/London", Now), CancellationToken.None);
        await _temp.Users.SavePreferencesAsync(new UserPreferences("u1", [new PreferenceRule("order.*", "sms", false)]), Now, CancellationToken.None);

        var (profile, rules) = await _temp.Users.GetRecipientAsync(Environments.Default, "u1", CancellationToken.None);

        profile!.Email.ShouldBe("a@example.com");
        profile.Locale.ShouldBe("fr-CA");
        rules.ShouldHaveSingleItem().ShouldBe(new PreferenceRule("order.*", "sms", false));
    }

    [Fact]
    public async Task GetRecipientAsync_UnknownUser_ReturnsNoProfileAndNoRules()
    {
        var (profile, rules) = await _temp.Users.GetRecipientAsync(Environments.Default, "nobody", CancellationToken.None);

        profile.ShouldBeNull();
        rules.ShouldBeEmpty();
    }
}
