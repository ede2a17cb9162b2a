using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Templates;
using Herald.Core.Tests.Pipeline;

namespace Herald.Core.Tests.Templates;

public sealed class TemplateCatalogTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(10);
    private const string Definition = """{"channels":{"in_app":{"title":"Hi"}}}""";

    [Fact]
    public async Task Published_AfterLatestCached_NextLookupReadsNewVersion()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        var catalog = new TemplateCatalog(temp.Templates);
        await PublishAsync(temp.Templates, "t");
        (await catalog.GetSendableAsync(Environments.Default, "t", null, CancellationToken.None)).Template!.Version.ShouldBe(1);
        await PublishAsync(temp.Templates, "t");

        (await catalog.GetSendableAsync(Environments.Default, "t", null, CancellationToken.None)).Template!.Version.ShouldBe(1);
        catalog.Published(Environments.Default, "t");

        (await catalog.GetSendableAsync(Environments.Default, "t", null, CancellationToken.None)).Template!.Version.ShouldBe(2);
    }

    [Fact]
    public async Task Published_WhileLookupReadsStore_StaleResultNotKept()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        await PublishAsync(temp.Templates, "t");
        var paused = new PausingStore(temp.Templates);
        var catalog = new TemplateCatalog(paused);

        var lookup = catalog.GetSendableAsync(Environments.Default, "t", null, CancellationToken.None);
        await paused.Reading.Task.WaitAsync(Hang);
        await PublishAsync(temp.Templates, "t");
        catalog.Published(Environments.Default, "t");
        paused.Release.SetResult();

        // The look-up answers with what it read, but the next one reads again.
        (await lookup.WaitAsync(Hang)).Template!.Version.ShouldBe(1);
        paused.Pause = false;
        (await catalog.GetSendableAsync(Environments.Default, "t", null, CancellationToken.None)).Template!.Version.ShouldBe(2);
    }

    [Fact]
    public async Task GetSendableAsync_SameIdInTwoEnvironments_EachReadsItsOwnAndAPublishInvalidatesOnlyItsOwn()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        var catalog = new TemplateCatalog(temp.Templates);
        await PublishAsync(temp.Templates, "env_a", "t", """{"channels":{"in_app":{"title":"A"}}}""");
        await PublishAsync(temp.Templates, "env_b", "t", """{"channels":{"in_app":{"title":"B"}}}""");
        await PublishAsync(temp.Templates, "env_b", "t", """{"channels":{"in_app":{"title":"B2"}}}""");

        var a = (await catalog.GetSendableAsync("env_a", "t", null, CancellationToken.None)).Template!;
        var b = (await catalog.GetSendableAsync("env_b", "t", null, CancellationToken.None)).Template!;
        a.Channels[Channel.InApp]["title"]!.GetValue<string>().ShouldBe("A");
        (b.Version, b.Channels[Channel.InApp]["title"]!.GetValue<string>()).ShouldBe((2, "B2"));
        // Pinned to version 1 in each: the cache keys by environment, so B's v1 is not A's v1.
        (await catalog.GetSendableAsync("env_b", "t", 1, CancellationToken.None)).Template!.Channels[Channel.InApp]["title"]!.GetValue<string>().ShouldBe("B");
        (await catalog.GetSendableAsync("env_a", "t", 1, CancellationToken.None)).Template!.Channels[Channel.InApp]["title"]!.GetValue<string>().ShouldBe("A");
        (await catalog.GetSendableAsync("env_c", "t", null, CancellationToken.None)).Result.ShouldBe(TemplateCatalog.Lookup.UnknownTemplate);

        await PublishAsync(temp.Templates, "env_a", "t", """{"channels":{"in_app":{"title":"A2"}}}""");
        await PublishAsync(temp.Templates, "env_b", "t", """{"channels":{"in_app":{"title":"B3"}}}""");
        catalog.PublishedSignal(TemplateCatalog.SignalKey("env_a", "t"));

        (await catalog.GetSendableAsync("env_a", "t", null, CancellationToken.None)).Template!.Version.ShouldBe(2);
        (await catalog.GetSendableAsync("env_b", "t", null, CancellationToken.None)).Template!.Version.ShouldBe(2, "env_b's latest is still cached: only env_a's publish was signalled");
    }

    private static async Task PublishAsync(ITemplateStore store, string id)
    {
        await PublishAsync(store, Environments.Default, id, Definition);
    }

    private static async Task PublishAsync(ITemplateStore store, string environmentId, string id, string definition)
    {
        var version = await store.AddTemplateVersionAsync(environmentId, id, null, definition, Now, CancellationToken.None);
        await store.PublishTemplateAsync(environmentId, id, version, Now, CancellationToken.None);
    }

    /// <summary>Holds the first latest-version read (after it read the store) until the test releases it.</summary>
    private sealed class PausingStore(ITemplateStore inner) : ITemplateStore
    {
        public TaskCompletionSource Reading { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Pause { get; set; } = true;

        public async Task<StoredTemplate?> GetLatestPublishedAsync(string environmentId, string templateId, CancellationToken ct)
        {
            var read = await inner.GetLatestPublishedAsync(environmentId, templateId, ct);
            if (Pause)
            {
                Reading.TrySetResult();
                await Release.Task;
            }

            return read;
        }

        public Task<int> AddTemplateVersionAsync(string environmentId, string templateId, string? description, string definition, DateTimeOffset now, CancellationToken ct) =>
            inner.AddTemplateVersionAsync(environmentId, templateId, description, definition, now, ct);

        public Task<StoredTemplate?> GetTemplateVersionAsync(string environmentId, string templateId, int version, CancellationToken ct) =>
            inner.GetTemplateVersionAsync(environmentId, templateId, version, ct);

        public Task<IReadOnlyList<StoredTemplate>> GetTemplateVersionsAsync(string environmentId, string templateId, CancellationToken ct) =>
            inner.GetTemplateVersionsAsync(environmentId, templateId, ct);

        public Task<IReadOnlyList<StoredTemplate>> ListLatestTemplatesAsync(string environmentId, CancellationToken ct) => inner.ListLatestTemplatesAsync(environmentId, ct);

        public Task<bool> PublishTemplateAsync(string environmentId, string templateId, int version, DateTimeOffset now, CancellationToken ct) =>
            inner.PublishTemplateAsync(environmentId, templateId, version, now, ct);
    }
}
