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
        (await catalog.GetSendableAsync("t", null, CancellationToken.None)).Template!.Version.ShouldBe(1);
        await PublishAsync(temp.Templates, "t");

        (await catalog.GetSendableAsync("t", null, CancellationToken.None)).Template!.Version.ShouldBe(1);
        catalog.Published("t");

        (await catalog.GetSendableAsync("t", null, CancellationToken.None)).Template!.Version.ShouldBe(2);
    }

    [Fact]
    public async Task Published_WhileLookupReadsStore_StaleResultNotKept()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        await PublishAsync(temp.Templates, "t");
        var paused = new PausingStore(temp.Templates);
        var catalog = new TemplateCatalog(paused);

        var lookup = catalog.GetSendableAsync("t", null, CancellationToken.None);
        await paused.Reading.Task.WaitAsync(Hang);
        await PublishAsync(temp.Templates, "t");
        catalog.Published("t");
        paused.Release.SetResult();

        // The look-up answers with what it read, but the next one reads again.
        (await lookup.WaitAsync(Hang)).Template!.Version.ShouldBe(1);
        paused.Pause = false;
        (await catalog.GetSendableAsync("t", null, CancellationToken.None)).Template!.Version.ShouldBe(2);
    }

    private static async Task PublishAsync(ITemplateStore store, string id)
    {
        var version = await store.AddTemplateVersionAsync(id, null, Definition, Now, CancellationToken.None);
        await store.PublishTemplateAsync(id, version, Now, CancellationToken.None);
    }

    /// <summary>Holds the first latest-version read (after it read the store) until the test releases it.</summary>
    private sealed class PausingStore(ITemplateStore inner) : ITemplateStore
    {
        public TaskCompletionSource Reading { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Pause { get; set; } = true;

        public async Task<StoredTemplate?> GetLatestPublishedAsync(string templateId, CancellationToken ct)
        {
            var read = await inner.GetLatestPublishedAsync(templateId, ct);
            if (Pause)
            {
                Reading.TrySetResult();
                await Release.Task;
            }

            return read;
        }

        public Task<int> AddTemplateVersionAsync(string templateId, string? description, string definition, DateTimeOffset now, CancellationToken ct) =>
            inner.AddTemplateVersionAsync(templateId, description, definition, now, ct);

        public Task<StoredTemplate?> GetTemplateVersionAsync(string templateId, int version, CancellationToken ct) => inner.GetTemplateVersionAsync(templateId, version, ct);

        public Task<IReadOnlyList<StoredTemplate>> GetTemplateVersionsAsync(string templateId, CancellationToken ct) => inner.GetTemplateVersionsAsync(templateId, ct);

        public Task<IReadOnlyList<StoredTemplate>> ListLatestTemplatesAsync(CancellationToken ct) => inner.ListLatestTemplatesAsync(ct);

        public Task<bool> PublishTemplateAsync(string templateId, int version, DateTimeOffset now, CancellationToken ct) => inner.PublishTemplateAsync(templateId, version, now, ct);
    }
}
