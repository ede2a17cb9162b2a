using System.Diagnostics.Metrics;
using Herald.Core.Domain;
using Herald.Core.Ingest;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Herald.Storage.Tests.Contracts.NotificationSamples;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// Poison isolation (issue 16): an item whose own data the store cannot hold fails alone. The poison here is a missing
/// required value (a NOT NULL constraint), which both engines refuse; <see cref="Poison"/> lets an engine add its own
/// (PostgreSQL: a NUL in text, a lone surrogate).
/// </summary>
public abstract class PoisonContract
{
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    /// <summary>A text value this engine refuses to store in a required text column: null everywhere, more on some engines.</summary>
    public static TheoryData<string> Poisons() => ["null"];

    protected static string? Poison(string kind) => kind switch
    {
        "nul" => "bad\0title",
        "surrogate" => "bad\ud800",
        _ => null,
    };

    [Theory]
    [MemberData(nameof(Poisons))]
    public async Task AcceptAsync_OneItemTheStoreRefuses_ThrowsStoreDataExceptionAndStoresNothing(string kind)
    {
        await using var s = await OpenAsync();
        var bad = Notification("ntf_bad") with { EventType = Poison(kind)! };

        var refused = await Should.ThrowAsync<StoreDataException>(() =>
            s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_a")], null), new IngestItem([bad], null)], Now, None));

        refused.Message.ShouldNotBeNullOrWhiteSpace();
        (await s.Queries.GetNotificationAsync("ntf_a", None)).ShouldBeNull();
        (await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_a")], null)], Now, None)).ShouldBe([true]);
    }

    [Theory]
    [MemberData(nameof(Poisons))]
    public async Task GroupCommit_OneRequestTheStoreRefuses_OnlyItFailsAndTheOthersCommit(string kind)
    {
        await using var s = await OpenAsync();
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var committer = new GroupCommitter(s.Ingest, TimeProvider.System, new PipelineOptionsAccessor(Options.Create(new PipelineOptions())),
            new HeraldMetrics(meters.GetRequiredService<IMeterFactory>()));

        // Queued before the committer starts, so all five go into its first batch.
        var requests = Enumerable.Range(0, 5).Select(i => committer.TryEnqueue([new IngestItem(
            [i == 2 ? Notification("ntf_2") with { EventType = Poison(kind)! } : Notification($"ntf_{i}")], new IdempotencyRecord($"key-{i}", "h", 202, "{}", Now))])!).ToList();
        await committer.StartAsync(None);
        try
        {
            (await Should.ThrowAsync<StoreDataException>(() => requests[2].WaitAsync(TimeSpan.FromSeconds(30)))).Message.ShouldNotBeNullOrWhiteSpace();
            foreach (var i in new[] { 0, 1, 3, 4 })
            {
                (await requests[i].WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe([true]);
                (await s.Queries.GetNotificationAsync($"ntf_{i}", None)).ShouldNotBeNull();
            }

            (await s.Queries.GetNotificationAsync("ntf_2", None)).ShouldBeNull();
            (await s.Ingest.GetIdempotencyAsync(Environments.Default, "key-2", None)).ShouldBeNull();
        }
        finally
        {
            await committer.StopAsync(None);
        }
    }

    [Fact]
    public async Task CompletePlanningAsync_OnePlanTheStoreRefuses_OthersAppliedAndItFailsWithTheReasonTraced()
    {
        await using var s = await OpenAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_a"), Notification("ntf_b"), Notification("ntf_c")], null)], Now, None);
        (await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now + Lease, 10, None)).Count.ShouldBe(3);
        PlanResult Plan(string id, TraceEntry? trace = null) =>
            new(id, [Delivery("dlv_" + id, id)], [trace ?? Trace(id, "planned")], NotificationStatus.Processing);

        var written = await s.Plans.CompletePlanningAsync([Plan("ntf_a"), Plan("ntf_b", Trace("ntf_b", "planned") with { Reason = null! }), Plan("ntf_c")], Now, None);

        written.ShouldBe([true, false, true]);
        written.RefusalOf(1).ShouldNotBeNullOrWhiteSpace();
        written.RefusalOf(0).ShouldBeNull();
        foreach (var id in new[] { "ntf_a", "ntf_c" })
        {
            (await s.Queries.GetNotificationAsync(id, None))!.Status.ShouldBe(NotificationStatus.Processing);
            (await s.Queries.GetDeliveriesAsync(id, None)).Select(d => d.Id).ShouldBe(["dlv_" + id]);
        }

        (await s.Queries.GetNotificationAsync("ntf_b", None))!.Status.ShouldBe(NotificationStatus.Failed);
        (await s.Queries.GetDeliveriesAsync("ntf_b", None)).ShouldBeEmpty();
        var trace = (await s.Queries.GetTraceAsync("ntf_b", None)).ShouldHaveSingleItem();
        trace.Decision.ShouldBe("failed");
        trace.Reason.ShouldContain("could not be stored");
        (await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now.AddHours(1), Now.AddHours(2), 10, None)).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Poisons))]
    public async Task CompleteAsync_OneFeedItemTheStoreRefuses_OthersReachTheFeedAndItFailsOnce(string kind)
    {
        await using var s = await OpenAsync();
        var users = new[] { "u_a", "u_b", "u_c" };
        await DispatchSamples.SeedManyAsync(s, [.. users.Select(u => ("ntf_" + u, (IReadOnlyList<Delivery>)[DispatchSamples.Delivery("dlv_" + u, "ntf_" + u, channel: Channel.InApp, recipient: u)]))]);
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.InApp, Priority.Normal, Now, Now + DispatchSamples.Lease, "lane-a", 10, DispatchSamples.Gate(), None);
        claimed.Count.ShouldBe(3);
        var completions = claimed.OrderBy(d => d.Id, StringComparer.Ordinal).Select(d =>
        {
            var item = new FeedItem(0, d.RecipientId, d.NotificationId, d.Id, "order.shipped", "title " + d.RecipientId, "body", null, null, Now, null, null);
            if (d.RecipientId == "u_b")
            {
                item = kind == "null" ? item with { EventType = null! } : item with { Title = Poison(kind) };
            }

            return DispatchSamples.Sent(d, "lane-a") with { FeedItem = item };
        }).ToList();

        var applied = await s.Dispatch.CompleteAsync(completions, Now, None);

        applied.ShouldBe([true, false, true]);
        applied.RefusalOf(1).ShouldNotBeNullOrWhiteSpace();
        (await s.Feed.GetFeedAsync(Environments.Default, "u_a", false, 10, null, None)).Select(f => f.Title).ShouldBe(["title u_a"]);
        (await s.Feed.GetFeedAsync(Environments.Default, "u_c", false, 10, null, None)).Select(f => f.Title).ShouldBe(["title u_c"]);
        (await s.Feed.GetFeedAsync(Environments.Default, "u_b", false, 10, null, None)).ShouldBeEmpty();
        var bad = await DispatchSamples.GetAsync(s, "dlv_u_b");
        bad.Status.ShouldBe(DeliveryStatus.Failed);
        bad.LastError.ShouldNotBeNull().ShouldContain("could not be stored");
        (await s.Queries.GetTraceAsync("ntf_u_b", None)).ShouldContain(t => t.Decision == "failed" && t.Reason.Contains("could not be stored"));

        // Settled once: neither the lane nor the expired-lease sweep takes it again.
        (await s.Dispatch.ClaimDueAsync(Channel.InApp, Priority.Normal, Now.AddHours(1), Now.AddHours(2), "lane-b", 10, DispatchSamples.Gate(), None)).ShouldBeEmpty();
        (await s.Dispatch.ClaimExpiredSendingAsync(Now.AddHours(1), Now.AddHours(2), "sweeper", 10, None)).ShouldBeEmpty();
    }
}

public sealed class SqlitePoisonTests : PoisonContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresPoisonTests : PoisonContract
{
    /// <summary>PostgreSQL also refuses a NUL in text and Npgsql a lone surrogate (SQLite keeps both, so the API refuses them first).</summary>
    public static TheoryData<string> PostgresPoisons() => ["nul", "surrogate"];

    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();

    [Theory]
    [MemberData(nameof(PostgresPoisons))]
    public Task AcceptAsync_TextPostgresRefuses_ThrowsStoreDataExceptionAndStoresNothing(string kind) =>
        AcceptAsync_OneItemTheStoreRefuses_ThrowsStoreDataExceptionAndStoresNothing(kind);

    [Theory]
    [MemberData(nameof(PostgresPoisons))]
    public Task GroupCommit_TextPostgresRefuses_OnlyItFailsAndTheOthersCommit(string kind) =>
        GroupCommit_OneRequestTheStoreRefuses_OnlyItFailsAndTheOthersCommit(kind);

    [Theory]
    [MemberData(nameof(PostgresPoisons))]
    public Task CompleteAsync_TextPostgresRefuses_OthersReachTheFeedAndItFailsOnce(string kind) =>
        CompleteAsync_OneFeedItemTheStoreRefuses_OthersReachTheFeedAndItFailsOnce(kind);
}
