using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Tests.Pipeline;

namespace Herald.Core.Tests.Ingest;

/// <summary>The ingest port against the real SQLite store.</summary>
public sealed class SqliteIngestStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private TempSqliteStore _temp = null!;

    public async Task InitializeAsync() => _temp = await TempSqliteStore.CreateAsync();

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    [Fact]
    public async Task AcceptAsync_DuplicateKeyInOneBatch_SecondItemStoresNothing()
    {
        var first = Item("ntf_1", "key-1", "hash-A", "{\"id\":\"ntf_1\"}");
        var second = Item("ntf_2", "key-1", "hash-B", "{\"id\":\"ntf_2\"}");

        var results = await _temp.Ingest.AcceptAsync([first, second], Now, CancellationToken.None);

        results.ShouldBe([true, false]);
        (await _temp.Queries.GetNotificationAsync("ntf_1", CancellationToken.None)).ShouldNotBeNull();
        (await _temp.Queries.GetNotificationAsync("ntf_2", CancellationToken.None)).ShouldBeNull();
        var saved = await _temp.Ingest.GetIdempotencyAsync(Environments.Default, "key-1", CancellationToken.None);
        saved.ShouldBe(new IdempotencyRecord("key-1", "hash-A", 202, "{\"id\":\"ntf_1\"}", Now));
    }

    [Fact]
    public async Task AcceptAsync_KeyTakenByEarlierCommit_StoresNothing()
    {
        await _temp.Ingest.AcceptAsync([Item("ntf_1", "key-1", "hash-A", "{\"id\":\"ntf_1\"}")], Now, CancellationToken.None);

        var results = await _temp.Ingest.AcceptAsync(
            [Item("ntf_2", "key-1", "hash-A", "{\"id\":\"ntf_2\"}"), Item("ntf_3", "key-2", "hash-A", "{\"id\":\"ntf_3\"}")], Now.AddSeconds(1), CancellationToken.None);

        results.ShouldBe([false, true]);
        (await _temp.Queries.GetNotificationAsync("ntf_2", CancellationToken.None)).ShouldBeNull();
        (await _temp.Queries.GetNotificationAsync("ntf_3", CancellationToken.None))!.IdempotencyKey.ShouldBe("key-2");
        (await _temp.Ingest.GetIdempotencyAsync(Environments.Default, "key-1", CancellationToken.None))!.Response.ShouldBe("{\"id\":\"ntf_1\"}");
    }

    [Fact]
    public async Task AcceptAsync_WithoutKeys_StoresEveryItem()
    {
        var results = await _temp.Ingest.AcceptAsync(
            [new IngestItem([TempSqliteStore.Notification("ntf_1", Now)], null), new IngestItem([TempSqliteStore.Notification("ntf_2", Now)], null)],
            Now, CancellationToken.None);

        results.ShouldBe([true, true]);
        var listed = await _temp.Queries.ListNotificationsAsync(Environments.Default, "u1", null, 10, null, CancellationToken.None);
        listed.Select(n => n.Id).Order().ShouldBe(["ntf_1", "ntf_2"]);
        listed.ShouldAllBe(n => n.Status == NotificationStatus.Accepted && n.Priority == Priority.Normal);
    }

    private static IngestItem Item(string id, string key, string hash, string body) =>
        new([TempSqliteStore.Notification(id, Now, key: key)], new IdempotencyRecord(key, hash, 202, body, Now));
}
