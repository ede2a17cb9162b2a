using Herald.Core.Domain;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Settings (first writer wins) and API keys.</summary>
public abstract class SettingsContract
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<StoreHandle> OpenAsync();

    [Fact]
    public async Task GetOrAddSettingAsync_Missing_StoresCreatedValue()
    {
        await using var s = await OpenAsync();

        var value = await s.Settings.GetOrAddSettingAsync("signing-key", () => "first", CancellationToken.None);

        value.ShouldBe("first");
        (await s.Settings.GetOrAddSettingAsync("signing-key", () => "second", CancellationToken.None)).ShouldBe("first");
    }

    [Fact]
    public async Task GetOrAddSettingAsync_Present_DoesNotCallCreate()
    {
        await using var s = await OpenAsync();
        await s.Settings.GetOrAddSettingAsync("k", () => "v", CancellationToken.None);
        var called = false;

        var value = await s.Settings.GetOrAddSettingAsync("k", () => { called = true; return "other"; }, CancellationToken.None);

        value.ShouldBe("v");
        called.ShouldBeFalse();
    }

    [Fact]
    public async Task GetOrAddSettingAsync_KeysAreIndependent()
    {
        await using var s = await OpenAsync();

        await s.Settings.GetOrAddSettingAsync("a", () => "1", CancellationToken.None);
        var b = await s.Settings.GetOrAddSettingAsync("b", () => "2", CancellationToken.None);

        b.ShouldBe("2");
    }

    [Fact]
    public async Task GetOrAddSettingAsync_ConcurrentWriters_AllSeeOneValue()
    {
        await using var s = await OpenAsync();

        var values = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => s.Settings.GetOrAddSettingAsync("shared", () => "value-" + i, CancellationToken.None)))).WaitAsync(TimeSpan.FromSeconds(30));

        values.Distinct().ShouldHaveSingleItem();
        (await s.Settings.GetOrAddSettingAsync("shared", () => "late", CancellationToken.None)).ShouldBe(values[0]);
    }

    [Fact]
    public async Task ReplaceSettingAsync_ExpectedValue_ReplacesIt()
    {
        await using var s = await OpenAsync();
        await s.Settings.GetOrAddSettingAsync("secret", () => "old", CancellationToken.None);

        var replaced = await s.Settings.ReplaceSettingAsync("secret", "old", "new", CancellationToken.None);

        replaced.ShouldBeTrue();
        (await s.Settings.GetOrAddSettingAsync("secret", () => "unused", CancellationToken.None)).ShouldBe("new");
    }

    [Fact]
    public async Task ReplaceSettingAsync_StaleOrMissing_ChangesNothing()
    {
        await using var s = await OpenAsync();
        await s.Settings.GetOrAddSettingAsync("secret", () => "current", CancellationToken.None);

        var stale = await s.Settings.ReplaceSettingAsync("secret", "earlier", "mine", CancellationToken.None);
        var missing = await s.Settings.ReplaceSettingAsync("absent", "x", "y", CancellationToken.None);

        stale.ShouldBeFalse();
        missing.ShouldBeFalse();
        (await s.Settings.GetOrAddSettingAsync("secret", () => "unused", CancellationToken.None)).ShouldBe("current");
        (await s.Settings.GetOrAddSettingAsync("absent", () => "made", CancellationToken.None)).ShouldBe("made");
    }

    [Fact]
    public async Task ReplaceSettingAsync_ConcurrentRotations_ExactlyOneWins()
    {
        await using var s = await OpenAsync();
        await s.Settings.GetOrAddSettingAsync("shared", () => "v0", CancellationToken.None);

        var won = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => s.Settings.ReplaceSettingAsync("shared", "v0", "v" + (i + 1), CancellationToken.None)))).WaitAsync(TimeSpan.FromSeconds(30));

        won.Count(w => w).ShouldBe(1);
        var winner = Array.IndexOf(won, true) + 1;
        (await s.Settings.GetOrAddSettingAsync("shared", () => "late", CancellationToken.None)).ShouldBe("v" + winner);
    }

    [Fact]
    public async Task ApiKeys_InsertThenFind_RoundTripsAndCounts()
    {
        await using var s = await OpenAsync();
        (await s.ApiKeys.CountApiKeysAsync(CancellationToken.None)).ShouldBe(0);

        await s.ApiKeys.InsertApiKeyAsync(new ApiKey("key_1", "hash-1", ["send", "admin"], Now), CancellationToken.None);
        await s.ApiKeys.InsertApiKeyAsync(new ApiKey("key_2", "hash-2", ["send"], Now.AddMinutes(1)), CancellationToken.None);

        (await s.ApiKeys.CountApiKeysAsync(CancellationToken.None)).ShouldBe(2);
        var found = await s.ApiKeys.FindApiKeyAsync("hash-1", CancellationToken.None);
        found.ShouldNotBeNull();
        found.Id.ShouldBe("key_1");
        found.KeyHash.ShouldBe("hash-1");
        found.Scopes.ShouldBe(["send", "admin"]);
        found.CreatedAt.ShouldBe(Now);
    }

    [Fact]
    public async Task FindApiKeyAsync_UnknownHash_ReturnsNull()
    {
        await using var s = await OpenAsync();
        await s.ApiKeys.InsertApiKeyAsync(new ApiKey("key_1", "hash-1", ["send"], Now), CancellationToken.None);

        (await s.ApiKeys.FindApiKeyAsync("hash-x", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task InsertApiKeyAsync_DuplicateHash_Throws()
    {
        await using var s = await OpenAsync();
        await s.ApiKeys.InsertApiKeyAsync(new ApiKey("key_1", "hash-1", ["send"], Now), CancellationToken.None);

        await Should.ThrowAsync<Exception>(() => s.ApiKeys.InsertApiKeyAsync(new ApiKey("key_2", "hash-1", ["send"], Now), CancellationToken.None));

        (await s.ApiKeys.CountApiKeysAsync(CancellationToken.None)).ShouldBe(1);
    }
}

public sealed class SqliteSettingsTests : SettingsContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresSettingsTests : SettingsContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
