using Herald.Core.Domain;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Template versions: numbering, publishing and the latest views.</summary>
public abstract class TemplateStoreContract
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<StoreHandle> OpenAsync();

    [Fact]
    public async Task AddTemplateVersionAsync_NumbersVersionsPerTemplate()
    {
        await using var s = await OpenAsync();

        var a1 = await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", "first", "{\"v\":1}", Now, CancellationToken.None);
        var a2 = await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", null, "{\"v\":2}", Now.AddMinutes(1), CancellationToken.None);
        var b1 = await s.Templates.AddTemplateVersionAsync(Environments.Default, "receipt", null, "{}", Now, CancellationToken.None);

        (a1, a2, b1).ShouldBe((1, 2, 1));
    }

    [Fact]
    public async Task AddTemplateVersionAsync_ConcurrentAdds_GetDistinctVersions()
    {
        await using var s = await OpenAsync();

        var versions = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", null, "{\"i\":" + i + "}", Now, CancellationToken.None)))).WaitAsync(TimeSpan.FromSeconds(30));

        versions.Order().ShouldBe(Enumerable.Range(1, 20));
        (await s.Templates.GetTemplateVersionsAsync(Environments.Default, "welcome", CancellationToken.None)).Select(t => t.Version).ShouldBe(Enumerable.Range(1, 20));
    }

    [Fact]
    public async Task GetTemplateVersionAsync_StoredDraft_RoundTrips()
    {
        await using var s = await OpenAsync();
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", "hello", "{\"subject\":\"Hi\"}", Now, CancellationToken.None);

        var stored = await s.Templates.GetTemplateVersionAsync(Environments.Default, "welcome", 1, CancellationToken.None);

        stored.ShouldNotBeNull();
        stored.TemplateId.ShouldBe("welcome");
        stored.Version.ShouldBe(1);
        stored.Published.ShouldBeFalse();
        stored.Description.ShouldBe("hello");
        stored.Definition.ShouldBe("{\"subject\":\"Hi\"}");
        stored.CreatedAt.ShouldBe(Now);
        stored.PublishedAt.ShouldBeNull();
    }

    [Fact]
    public async Task GetTemplateVersionAsync_UnknownVersionOrTemplate_ReturnsNull()
    {
        await using var s = await OpenAsync();
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", null, "{}", Now, CancellationToken.None);

        (await s.Templates.GetTemplateVersionAsync(Environments.Default, "welcome", 2, CancellationToken.None)).ShouldBeNull();
        (await s.Templates.GetTemplateVersionAsync(Environments.Default, "nothing", 1, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task PublishTemplateAsync_Draft_PublishesIt()
    {
        await using var s = await OpenAsync();
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", null, "{}", Now, CancellationToken.None);

        (await s.Templates.PublishTemplateAsync(Environments.Default, "welcome", 1, Now.AddMinutes(5), CancellationToken.None)).ShouldBeTrue();

        var stored = await s.Templates.GetTemplateVersionAsync(Environments.Default, "welcome", 1, CancellationToken.None);
        stored!.Published.ShouldBeTrue();
        stored.PublishedAt.ShouldBe(Now.AddMinutes(5));
    }

    [Fact]
    public async Task PublishTemplateAsync_AlreadyPublished_TrueAndKeepsFirstPublishTime()
    {
        await using var s = await OpenAsync();
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", null, "{}", Now, CancellationToken.None);
        await s.Templates.PublishTemplateAsync(Environments.Default, "welcome", 1, Now.AddMinutes(5), CancellationToken.None);

        (await s.Templates.PublishTemplateAsync(Environments.Default, "welcome", 1, Now.AddMinutes(9), CancellationToken.None)).ShouldBeTrue();

        (await s.Templates.GetTemplateVersionAsync(Environments.Default, "welcome", 1, CancellationToken.None))!.PublishedAt.ShouldBe(Now.AddMinutes(5));
    }

    [Fact]
    public async Task PublishTemplateAsync_UnknownVersion_ReturnsFalse()
    {
        await using var s = await OpenAsync();
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", null, "{}", Now, CancellationToken.None);

        (await s.Templates.PublishTemplateAsync(Environments.Default, "welcome", 2, Now, CancellationToken.None)).ShouldBeFalse();
        (await s.Templates.PublishTemplateAsync(Environments.Default, "nothing", 1, Now, CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task GetLatestPublishedAsync_IgnoresNewerDrafts()
    {
        await using var s = await OpenAsync();
        for (var i = 0; i < 4; i++)
        {
            await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", null, "{\"v\":" + (i + 1) + "}", Now, CancellationToken.None);
        }

        await s.Templates.PublishTemplateAsync(Environments.Default, "welcome", 1, Now, CancellationToken.None);
        await s.Templates.PublishTemplateAsync(Environments.Default, "welcome", 3, Now, CancellationToken.None);

        var latest = await s.Templates.GetLatestPublishedAsync(Environments.Default, "welcome", CancellationToken.None);

        latest!.Version.ShouldBe(3);
        latest.Definition.ShouldBe("{\"v\":3}");
    }

    [Fact]
    public async Task GetLatestPublishedAsync_OnlyDrafts_ReturnsNull()
    {
        await using var s = await OpenAsync();
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", null, "{}", Now, CancellationToken.None);

        (await s.Templates.GetLatestPublishedAsync(Environments.Default, "welcome", CancellationToken.None)).ShouldBeNull();
        (await s.Templates.GetLatestPublishedAsync(Environments.Default, "nothing", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task GetTemplateVersionsAsync_OldestFirst()
    {
        await using var s = await OpenAsync();
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", "a", "{}", Now, CancellationToken.None);
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "other", "x", "{}", Now, CancellationToken.None);
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", "b", "{}", Now, CancellationToken.None);
        await s.Templates.PublishTemplateAsync(Environments.Default, "welcome", 2, Now, CancellationToken.None);

        var versions = await s.Templates.GetTemplateVersionsAsync(Environments.Default, "welcome", CancellationToken.None);

        versions.Select(v => (v.Version, v.Description, v.Published)).ShouldBe([(1, "a", false), (2, "b", true)]);
        (await s.Templates.GetTemplateVersionsAsync(Environments.Default, "nothing", CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListLatestTemplatesAsync_NewestVersionOfEach_ByTemplateId()
    {
        await using var s = await OpenAsync();
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", null, "{}", Now, CancellationToken.None);
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "receipt", null, "{}", Now, CancellationToken.None);
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "welcome", null, "{}", Now, CancellationToken.None);
        await s.Templates.AddTemplateVersionAsync(Environments.Default, "Zeta", null, "{}", Now, CancellationToken.None);
        await s.Templates.PublishTemplateAsync(Environments.Default, "welcome", 1, Now, CancellationToken.None);

        var latest = await s.Templates.ListLatestTemplatesAsync(Environments.Default, CancellationToken.None);

        // Ordinal order: upper case sorts before lower case on both engines.
        latest.Select(t => (t.TemplateId, t.Version, t.Published)).ShouldBe([("Zeta", 1, false), ("receipt", 1, false), ("welcome", 2, false)]);
    }

    [Fact]
    public async Task ListLatestTemplatesAsync_Empty_ReturnsNothing()
    {
        await using var s = await OpenAsync();

        (await s.Templates.ListLatestTemplatesAsync(Environments.Default, CancellationToken.None)).ShouldBeEmpty();
    }
}

public sealed class SqliteTemplateStoreTests : TemplateStoreContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresTemplateStoreTests : TemplateStoreContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
