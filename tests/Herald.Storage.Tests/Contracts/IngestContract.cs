using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using static Herald.Storage.Tests.Contracts.NotificationSamples;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Accepting requests: notifications stored in one transaction, idempotency keys taken once.</summary>
public abstract class IngestContract
{
    protected abstract Task<StoreHandle> OpenAsync();

    private static IdempotencyRecord Record(string key, string hash = "h1", int status = 202) => new(key, hash, status, "{\"id\":\"" + key + "\"}", Now);

    [Fact]
    public async Task AcceptAsync_WithoutKey_StoresNotificationsAsGiven()
    {
        await using var s = await OpenAsync();
        var plain = Notification("ntf_1");
        var rich = new Notification("ntf_2", "invoice.due", "u2", Priority.Urgent, NotificationStatus.Scheduled, "invoice", null,
            [Channel.Email, Channel.Sms], "{\"amount\":3}", "k-2", "batch-1", Now.AddHours(1), Now);

        var accepted = await s.Ingest.AcceptAsync([new IngestItem([plain, rich], null)], Now, CancellationToken.None);

        accepted.ShouldBe([true]);
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None)).ShouldBe(plain);
        var stored = await s.Queries.GetNotificationAsync("ntf_2", CancellationToken.None);
        stored.ShouldNotBeNull();
        (stored with { Channels = null }).ShouldBe(rich with { Channels = null });
        stored.Channels.ShouldBe([Channel.Email, Channel.Sms]);
    }

    [Fact]
    public async Task AcceptAsync_CreatedAtIsAcceptTime()
    {
        await using var s = await OpenAsync();

        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1") with { CreatedAt = Now.AddDays(-1) }], null)], Now.AddSeconds(3), CancellationToken.None);

        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.CreatedAt.ShouldBe(Now.AddSeconds(3));
    }

    [Fact]
    public async Task AcceptAsync_NewKey_StoresRecordAndNotifications()
    {
        await using var s = await OpenAsync();

        var accepted = await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1", key: "k1")], Record("k1"))], Now, CancellationToken.None);

        accepted.ShouldBe([true]);
        (await s.Ingest.GetIdempotencyAsync(Environments.Default, "k1", CancellationToken.None)).ShouldBe(Record("k1"));
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None)).ShouldNotBeNull();
    }

    [Fact]
    public async Task AcceptAsync_KeyAlreadyTaken_FalseAndStoresNothing()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1", key: "k1")], Record("k1"))], Now, CancellationToken.None);

        var accepted = await s.Ingest.AcceptAsync(
            [new IngestItem([Notification("ntf_2", key: "k1")], Record("k1", "h2", 400)), new IngestItem([Notification("ntf_3")], null)],
            Now.AddSeconds(1), CancellationToken.None);

        accepted.ShouldBe([false, true]);
        (await s.Queries.GetNotificationAsync("ntf_2", CancellationToken.None)).ShouldBeNull();
        (await s.Queries.GetNotificationAsync("ntf_3", CancellationToken.None)).ShouldNotBeNull();
        (await s.Ingest.GetIdempotencyAsync(Environments.Default, "k1", CancellationToken.None)).ShouldBe(Record("k1"));
    }

    [Fact]
    public async Task AcceptAsync_SameKeyTwiceInOneBatch_FirstWins()
    {
        await using var s = await OpenAsync();

        var accepted = await s.Ingest.AcceptAsync(
        [
            new IngestItem([Notification("ntf_2", key: "k2")], Record("k2", "second-key-first")),
            new IngestItem([Notification("ntf_1a", key: "k1"), Notification("ntf_1b", key: "k1")], Record("k1", "first")),
            new IngestItem([Notification("ntf_1c", key: "k1")], Record("k1", "again")),
        ], Now, CancellationToken.None);

        accepted.ShouldBe([true, true, false]);
        (await s.Ingest.GetIdempotencyAsync(Environments.Default, "k1", CancellationToken.None))!.RequestHash.ShouldBe("first");
        (await s.Queries.ListNotificationsAsync(Environments.Default, null, null, 10, null, CancellationToken.None)).Select(n => n.Id).ShouldBe(["ntf_2", "ntf_1b", "ntf_1a"]);
    }

    [Fact]
    public async Task AcceptAsync_ConcurrentSameKey_ExactlyOneWins()
    {
        await using var s = await OpenAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            s.Ingest.AcceptAsync([new IngestItem([Notification($"ntf_{i}", key: "k1")], Record("k1", "h" + i))], Now, CancellationToken.None))))
            .WaitAsync(TimeSpan.FromSeconds(30));

        results.Count(r => r[0]).ShouldBe(1);
        var winner = Array.FindIndex(results, r => r[0]);
        (await s.Ingest.GetIdempotencyAsync(Environments.Default, "k1", CancellationToken.None))!.RequestHash.ShouldBe("h" + winner);
        (await s.Queries.ListNotificationsAsync(Environments.Default, null, null, 10, null, CancellationToken.None)).Select(n => n.Id).ShouldBe([$"ntf_{winner}"]);
    }

    [Fact]
    public async Task AcceptAsync_DuplicateNotificationId_FailsWholeBatch()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1")], null)], Now, CancellationToken.None);

        await Should.ThrowAsync<Exception>(() => s.Ingest.AcceptAsync(
            [new IngestItem([Notification("ntf_2")], Record("k1")), new IngestItem([Notification("ntf_1")], null)], Now, CancellationToken.None));

        (await s.Queries.GetNotificationAsync("ntf_2", CancellationToken.None)).ShouldBeNull();
        (await s.Ingest.GetIdempotencyAsync(Environments.Default, "k1", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task AcceptAsync_EmptyBatch_ReturnsEmpty()
    {
        await using var s = await OpenAsync();

        (await s.Ingest.AcceptAsync([], Now, CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetIdempotencyAsync_UnknownKey_ReturnsNull()
    {
        await using var s = await OpenAsync();

        (await s.Ingest.GetIdempotencyAsync(Environments.Default, "nope", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task PurgeIdempotencyAsync_RemovesOnlyOlderRecords()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem([], Record("old"))], Now, CancellationToken.None);
        await s.Ingest.AcceptAsync([new IngestItem([], Record("edge"))], Now.AddHours(1), CancellationToken.None);
        await s.Ingest.AcceptAsync([new IngestItem([], Record("new"))], Now.AddHours(2), CancellationToken.None);

        var purged = await s.Ingest.PurgeIdempotencyAsync(Now.AddHours(1), CancellationToken.None);

        purged.ShouldBe(1);
        (await s.Ingest.GetIdempotencyAsync(Environments.Default, "old", CancellationToken.None)).ShouldBeNull();
        (await s.Ingest.GetIdempotencyAsync(Environments.Default, "edge", CancellationToken.None))!.CreatedAt.ShouldBe(Now.AddHours(1));
        (await s.Ingest.GetIdempotencyAsync(Environments.Default, "new", CancellationToken.None)).ShouldNotBeNull();
        (await s.Ingest.AcceptAsync([new IngestItem([], Record("old"))], Now.AddHours(3), CancellationToken.None)).ShouldBe([true]);
    }
}

public sealed class SqliteIngestTests : IngestContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresIngestTests : IngestContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
