using Herald.Core.Domain;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>API keys as a resource: name, prefix, expiry, revocation, rotation with a previous secret, last use.</summary>
public abstract class ApiKeyContract
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<StoreHandle> OpenAsync();

    private static ApiKey Key(string id, string hash) =>
        new(id, hash, ["notifications:send"], Now) { Name = "billing", Prefix = "hk_ab12", ExpiresAt = Now.AddDays(30) };

    [Fact]
    public async Task InsertApiKeyAsync_Lifecycle_RoundTripsEveryField()
    {
        await using var s = await OpenAsync();

        await s.ApiKeys.InsertApiKeyAsync(Key("key_1", "hash-1"), CancellationToken.None);

        var got = await s.ApiKeys.GetApiKeyAsync("key_1", CancellationToken.None);
        got.ShouldNotBeNull();
        got.Name.ShouldBe("billing");
        got.Prefix.ShouldBe("hk_ab12");
        got.ExpiresAt.ShouldBe(Now.AddDays(30));
        got.RevokedAt.ShouldBeNull();
        got.LastUsedAt.ShouldBeNull();
        got.PreviousHash.ShouldBeNull();
        (await s.ApiKeys.GetApiKeyAsync("key_x", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task InsertApiKeyAsync_KeyOfEarlierRelease_ReadsWithEmptyNameAndNoExpiry()
    {
        await using var s = await OpenAsync();

        await s.ApiKeys.InsertApiKeyAsync(new ApiKey("key_old", "hash-old", ["send", "read"], Now), CancellationToken.None);

        var found = await s.ApiKeys.FindApiKeyAsync("hash-old", CancellationToken.None);
        found.ShouldNotBeNull();
        found.Scopes.ShouldBe(["send", "read"]);
        found.Name.ShouldBe("");
        found.ExpiresAt.ShouldBeNull();
        (found.RequestsPerSecond, found.NotificationsPerSecond).ShouldBe(((int?)null, (int?)null));
    }

    [Fact]
    public async Task ListApiKeysAsync_SeveralKeys_OldestFirst()
    {
        await using var s = await OpenAsync();
        await s.ApiKeys.InsertApiKeyAsync(Key("key_2", "hash-2") with { CreatedAt = Now.AddMinutes(1) }, CancellationToken.None);
        await s.ApiKeys.InsertApiKeyAsync(Key("key_1", "hash-1"), CancellationToken.None);

        var keys = await s.ApiKeys.ListApiKeysAsync(CancellationToken.None);

        keys.Select(k => k.Id).ShouldBe(["key_1", "key_2"]);
    }

    [Fact]
    public async Task RevokeApiKeyAsync_Twice_KeepsFirstTime()
    {
        await using var s = await OpenAsync();
        await s.ApiKeys.InsertApiKeyAsync(Key("key_1", "hash-1"), CancellationToken.None);

        (await s.ApiKeys.RevokeApiKeyAsync("key_1", Now.AddHours(1), CancellationToken.None))!.RevokedAt.ShouldBe(Now.AddHours(1));
        var again = await s.ApiKeys.RevokeApiKeyAsync("key_1", Now.AddHours(2), CancellationToken.None);

        again!.RevokedAt.ShouldBe(Now.AddHours(1));
        (await s.ApiKeys.FindApiKeyAsync("hash-1", CancellationToken.None))!.RevokedAt.ShouldBe(Now.AddHours(1));
        (await s.ApiKeys.RevokeApiKeyAsync("key_x", Now, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task RotateApiKeyAsync_Live_BothHashesFindTheKey()
    {
        await using var s = await OpenAsync();
        await s.ApiKeys.InsertApiKeyAsync(Key("key_1", "hash-1"), CancellationToken.None);

        var rotated = await s.ApiKeys.RotateApiKeyAsync("key_1", "hash-2", "hk_cd34", Now.AddHours(24), CancellationToken.None);

        rotated.ShouldNotBeNull();
        rotated.KeyHash.ShouldBe("hash-2");
        rotated.Prefix.ShouldBe("hk_cd34");
        rotated.PreviousHash.ShouldBe("hash-1");
        rotated.PreviousExpiresAt.ShouldBe(Now.AddHours(24));
        rotated.Name.ShouldBe("billing");
        rotated.Scopes.ShouldBe(["notifications:send"]);
        (await s.ApiKeys.FindApiKeyAsync("hash-1", CancellationToken.None))!.Id.ShouldBe("key_1");
        (await s.ApiKeys.FindApiKeyAsync("hash-2", CancellationToken.None))!.Id.ShouldBe("key_1");
    }

    [Fact]
    public async Task RotateApiKeyAsync_Twice_DropsTheOldestSecret()
    {
        await using var s = await OpenAsync();
        await s.ApiKeys.InsertApiKeyAsync(Key("key_1", "hash-1"), CancellationToken.None);
        await s.ApiKeys.RotateApiKeyAsync("key_1", "hash-2", "hk_2", Now.AddHours(1), CancellationToken.None);

        await s.ApiKeys.RotateApiKeyAsync("key_1", "hash-3", "hk_3", Now.AddHours(2), CancellationToken.None);

        (await s.ApiKeys.FindApiKeyAsync("hash-1", CancellationToken.None)).ShouldBeNull();
        (await s.ApiKeys.FindApiKeyAsync("hash-2", CancellationToken.None))!.PreviousHash.ShouldBe("hash-2");
        (await s.ApiKeys.FindApiKeyAsync("hash-3", CancellationToken.None))!.KeyHash.ShouldBe("hash-3");
    }

    [Fact]
    public async Task RotateApiKeyAsync_Revoked_ReturnsNullAndChangesNothing()
    {
        await using var s = await OpenAsync();
        await s.ApiKeys.InsertApiKeyAsync(Key("key_1", "hash-1"), CancellationToken.None);
        await s.ApiKeys.RevokeApiKeyAsync("key_1", Now, CancellationToken.None);

        (await s.ApiKeys.RotateApiKeyAsync("key_1", "hash-2", "hk_2", Now.AddHours(1), CancellationToken.None)).ShouldBeNull();

        (await s.ApiKeys.FindApiKeyAsync("hash-2", CancellationToken.None)).ShouldBeNull();
        (await s.ApiKeys.GetApiKeyAsync("key_1", CancellationToken.None))!.KeyHash.ShouldBe("hash-1");
    }

    [Fact]
    public async Task InsertApiKeyAsync_WithLimits_RoundTripsThemAndNullMeansDefault()
    {
        await using var s = await OpenAsync();

        await s.ApiKeys.InsertApiKeyAsync(Key("key_1", "hash-1") with { RequestsPerSecond = 50, NotificationsPerSecond = 2_000 }, CancellationToken.None);
        await s.ApiKeys.InsertApiKeyAsync(Key("key_2", "hash-2"), CancellationToken.None);

        var limited = await s.ApiKeys.FindApiKeyAsync("hash-1", CancellationToken.None);
        (limited!.RequestsPerSecond, limited.NotificationsPerSecond).ShouldBe(((int?)50, (int?)2_000));
        var open = await s.ApiKeys.GetApiKeyAsync("key_2", CancellationToken.None);
        (open!.RequestsPerSecond, open.NotificationsPerSecond).ShouldBe(((int?)null, (int?)null));
    }

    [Fact]
    public async Task SetApiKeyLimitsAsync_SetThenCleared_StoresEachAndKeepsTheRest()
    {
        await using var s = await OpenAsync();
        await s.ApiKeys.InsertApiKeyAsync(Key("key_1", "hash-1") with { RequestsPerSecond = 5 }, CancellationToken.None);

        var set = await s.ApiKeys.SetApiKeyLimitsAsync("key_1", null, 30, CancellationToken.None);

        (set!.RequestsPerSecond, set.NotificationsPerSecond).ShouldBe(((int?)null, (int?)30));
        (set.Name, set.KeyHash).ShouldBe(("billing", "hash-1"));
        set.Scopes.ShouldBe(["notifications:send"]);
        var read = await s.ApiKeys.FindApiKeyAsync("hash-1", CancellationToken.None);
        (read!.RequestsPerSecond, read.NotificationsPerSecond).ShouldBe(((int?)null, (int?)30));
        (await s.ApiKeys.SetApiKeyLimitsAsync("key_x", 1, 1, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task TouchApiKeyAsync_OlderTime_KeepsLatest()
    {
        await using var s = await OpenAsync();
        await s.ApiKeys.InsertApiKeyAsync(Key("key_1", "hash-1"), CancellationToken.None);

        await s.ApiKeys.TouchApiKeyAsync("key_1", Now.AddMinutes(5), CancellationToken.None);
        await s.ApiKeys.TouchApiKeyAsync("key_1", Now.AddMinutes(1), CancellationToken.None);

        (await s.ApiKeys.GetApiKeyAsync("key_1", CancellationToken.None))!.LastUsedAt.ShouldBe(Now.AddMinutes(5));
    }
}

public sealed class SqliteApiKeyTests : ApiKeyContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresApiKeyTests : ApiKeyContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
