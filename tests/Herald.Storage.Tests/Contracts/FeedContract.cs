using Herald.Core.Domain;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>The in-app feed: items written by completed in-app deliveries, read newest first, paged, marked read.</summary>
public abstract class FeedContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    /// <summary>Seeds, claims and completes one in-app delivery per title; each completion writes a feed item.</summary>
    private static async Task AddAsync(StoreHandle s, string user, params string[] titles)
    {
        foreach (var title in titles)
        {
            var claimed = await DispatchSamples.SeedClaimedAsync(s, "dlv_" + title, Channel.InApp, recipient: user);
            var item = new FeedItem(0, user, claimed.NotificationId, claimed.Id, "order.shipped", title, "body " + title, "https://x/" + title, null, Now, null, null);
            (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(claimed, "lane-a") with { FeedItem = item }], Now, None)).ShouldBe([true]);
        }
    }

    [Fact]
    public async Task GetFeedAsync_NewestFirstAndPagedBySeq()
    {
        await using var s = await OpenAsync();
        await AddAsync(s, "u1", "a", "b", "c");
        await AddAsync(s, "u2", "other");

        var all = await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None);
        var page1 = await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 2, null, None);
        var page2 = await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 2, page1[^1].Seq, None);

        all.Select(f => f.Title).ShouldBe(["c", "b", "a"]);
        all[0].ShouldBe(new FeedItem(all[0].Seq, "u1", "ntf_dlv_c", "dlv_c", "order.shipped", "c", "body c", "https://x/c", null, Now, null, null));
        page1.Select(f => f.Title).ShouldBe(["c", "b"]);
        page2.Select(f => f.Title).ShouldBe(["a"]);
        (await s.Feed.GetFeedAsync(Environments.Default, "nobody", false, 10, null, None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetFeedSinceAsync_OldestFirstAfterSeq()
    {
        await using var s = await OpenAsync();
        await AddAsync(s, "u1", "a", "b", "c");
        var all = await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None);

        var since = await s.Feed.GetFeedSinceAsync(Environments.Default, "u1", all[^1].Seq, 10, None);
        var limited = await s.Feed.GetFeedSinceAsync(Environments.Default, "u1", 0, 1, None);

        since.Select(f => f.Title).ShouldBe(["b", "c"]);
        limited.Select(f => f.Title).ShouldBe(["a"]);
        (await s.Feed.GetFeedSinceAsync(Environments.Default, "u1", all[0].Seq, 10, None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetFeedSinceAsync_ConcurrentWritersOnSeveralProcesses_ReaderMissesNoItem()
    {
        const int Writers = 4;
        const int PerWriter = 60;
        await using var s = await OpenAsync();
        var deliveries = Enumerable.Range(0, Writers * PerWriter).Select(i => DispatchSamples.Delivery($"dlv_{i:000}", $"ntf_{i:000}", channel: Channel.InApp)).ToList();
        await DispatchSamples.SeedManyAsync(s, [.. deliveries.Select(d => (d.NotificationId, (IReadOnlyList<Delivery>)[d]))]);
        var gate = DispatchSamples.Gate(new Dictionary<string, string> { ["in_app"] = "100000/1h" });
        var claimed = await s.Dispatch.ClaimDueAsync(Channel.InApp, Priority.Normal, Now, Now + DispatchSamples.Lease, "lane-a", deliveries.Count, gate, None);
        claimed.Count.ShouldBe(deliveries.Count);
        var peers = new List<StoreHandle>();
        for (var i = 0; i < Writers; i++)
        {
            peers.Add(await s.OpenPeerAsync());
        }

        try
        {
            // Each writer is another process completing its share one delivery (one transaction) at a time, while a live
            // stream reads on from the highest seq it has seen, as the SSE endpoint and a Last-Event-ID resume do.
            var writers = peers.Select((peer, w) => Task.Run(async () =>
            {
                foreach (var d in claimed.Where((_, i) => i % Writers == w))
                {
                    var item = new FeedItem(0, "u1", d.NotificationId, d.Id, "order.shipped", d.Id, null, null, null, Now, null, null);
                    (await peer.Dispatch.CompleteAsync([DispatchSamples.Sent(d, "lane-a") with { FeedItem = item }], Now, None)).ShouldBe([true]);
                }
            })).ToList();
            var seen = new List<FeedItem>();
            var done = Task.WhenAll(writers);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                var finished = done.IsCompleted;
                var page = await s.Feed.GetFeedSinceAsync(Environments.Default, "u1", seen.Count == 0 ? 0 : seen[^1].Seq, 1000, timeout.Token);
                seen.AddRange(page);
                if (finished && page.Count == 0)
                {
                    break;
                }
            }

            await done;
            deliveries.Select(d => d.Id).Except(seen.Select(f => f.DeliveryId)).ShouldBeEmpty("items the live reader skipped");
            seen.Count.ShouldBe(deliveries.Count);
        }
        finally
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MarkReadAsync_CountsAndUnreadFilterFollow()
    {
        await using var s = await OpenAsync();
        await AddAsync(s, "u1", "a", "b", "c");
        (await s.Feed.CountUnreadAsync(Environments.Default, "u1", None)).ShouldBe(3);

        (await s.Feed.MarkReadAsync(Environments.Default, "u1", "ntf_dlv_b", Now.AddMinutes(1), None)).ShouldBeTrue();

        (await s.Feed.CountUnreadAsync(Environments.Default, "u1", None)).ShouldBe(2);
        (await s.Feed.GetFeedAsync(Environments.Default, "u1", true, 10, null, None)).Select(f => f.Title).ShouldBe(["c", "a"]);
        var read = (await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None)).Single(f => f.Title == "b");
        read.ReadAt.ShouldBe(Now.AddMinutes(1));

        // Already read: still true, and the first read time stays.
        (await s.Feed.MarkReadAsync(Environments.Default, "u1", "ntf_dlv_b", Now.AddMinutes(2), None)).ShouldBeTrue();
        (await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None)).Single(f => f.Title == "b").ReadAt.ShouldBe(Now.AddMinutes(1));
        (await s.Feed.MarkReadAsync(Environments.Default, "u1", "ntf_unknown", Now, None)).ShouldBeFalse();
        (await s.Feed.MarkReadAsync(Environments.Default, "u2", "ntf_dlv_a", Now, None)).ShouldBeFalse();
    }

    [Fact]
    public async Task ArchiveAsync_HidesTheItemAndDropsItFromTheUnreadCount()
    {
        await using var s = await OpenAsync();
        await AddAsync(s, "u1", "a", "b", "c");

        (await s.Feed.ArchiveAsync(Environments.Default, "u1", "ntf_dlv_b", Now.AddMinutes(1), None)).ShouldBeTrue();

        (await s.Feed.CountUnreadAsync(Environments.Default, "u1", None)).ShouldBe(2);
        (await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None)).Select(f => f.Title).ShouldBe(["c", "a"]);
        (await s.Feed.GetFeedSinceAsync(Environments.Default, "u1", 0, 10, None)).Select(f => f.Title).ShouldBe(["a", "c"]);
        (await s.Feed.ArchiveAsync(Environments.Default, "u1", "ntf_dlv_b", Now.AddMinutes(2), None)).ShouldBeTrue();
        (await s.Feed.ArchiveAsync(Environments.Default, "u2", "ntf_dlv_a", Now, None)).ShouldBeFalse();
        (await s.Feed.ArchiveAsync(Environments.Default, "u1", "ntf_unknown", Now, None)).ShouldBeFalse();
        (await s.Feed.CountUnreadAsync(Environments.Default, "u1", None)).ShouldBe(2);
    }

    [Fact]
    public async Task MarkAllReadAsync_MarksOnlyUnreadOfThatUser()
    {
        await using var s = await OpenAsync();
        await AddAsync(s, "u1", "a", "b");
        await AddAsync(s, "u2", "x");
        await s.Feed.MarkReadAsync(Environments.Default, "u1", "ntf_dlv_a", Now, None);

        (await s.Feed.MarkAllReadAsync(Environments.Default, "u1", Now.AddMinutes(1), None)).ShouldBe(1);

        (await s.Feed.CountUnreadAsync(Environments.Default, "u1", None)).ShouldBe(0);
        (await s.Feed.CountUnreadAsync(Environments.Default, "u2", None)).ShouldBe(1);
        (await s.Feed.MarkAllReadAsync(Environments.Default, "u1", Now.AddMinutes(2), None)).ShouldBe(0);
    }

    [Fact]
    public async Task CompleteAsync_FeedItemOfDeliveryAlreadyInFeed_NotDuplicated()
    {
        await using var s = await OpenAsync();
        var claimed = await DispatchSamples.SeedClaimedAsync(s, "dlv_1", Channel.InApp);
        var item = new FeedItem(0, "u1", claimed.NotificationId, claimed.Id, "order.shipped", "t", null, null, null, Now, null, null);
        var unknown = DispatchSamples.Sent(claimed, "lane-a") with { Status = DeliveryStatus.Unknown, DueAt = Now.AddSeconds(1), FeedItem = item };
        await s.Dispatch.CompleteAsync([unknown], Now, None);
        var taken = await s.Dispatch.ClaimExpiredSendingAsync(Now.AddSeconds(2), Now.AddSeconds(30), "sweeper", 10, None);

        (await s.Dispatch.CompleteAsync([DispatchSamples.Sent(taken.Single(), "sweeper") with { FeedItem = item with { Title = "again" } }], Now, None)).ShouldBe([true]);

        (await s.Feed.GetFeedAsync(Environments.Default, "u1", false, 10, null, None)).Select(f => f.Title).ShouldBe(["t"]);
    }
}

public sealed class SqliteFeedTests : FeedContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresFeedTests : FeedContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
