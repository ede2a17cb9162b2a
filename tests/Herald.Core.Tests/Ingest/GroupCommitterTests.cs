using Herald.Core.Domain;
using Herald.Core.Ingest;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Tests.Observability;
using Herald.Core.Tests.Pipeline;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Ingest;

/// <summary>The group commit's queue is bounded in notifications, so overload is refused at once instead of queueing.</summary>
public sealed class GroupCommitterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly MetricsCapture _metrics = new();
    private TempSqliteStore _temp = null!;
    private int _next;

    public async Task InitializeAsync() => _temp = await TempSqliteStore.CreateAsync();

    public async Task DisposeAsync()
    {
        _metrics.Dispose();
        await _temp.DisposeAsync();
    }

    [Fact]
    public async Task TryEnqueue_OverCapacityInNotifications_RefusedUntilACommitFreesRoom()
    {
        using var committer = Committer(capacity: 250);

        // Not started yet, so nothing drains: two requests of 100 fit, the third would make 300 > 250.
        var first = committer.TryEnqueue(Items(100)).ShouldNotBeNull();
        var second = committer.TryEnqueue(Items(100)).ShouldNotBeNull();
        committer.TryEnqueue(Items(100)).ShouldBeNull();
        var third = committer.TryEnqueue(Items(50)).ShouldNotBeNull();
        committer.Queued.ShouldBe(250);

        await committer.StartAsync(CancellationToken.None);
        (await first.WaitAsync(TimeSpan.FromSeconds(30))).ShouldAllBe(accepted => accepted);
        await second.WaitAsync(TimeSpan.FromSeconds(30));
        await third.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => committer.Queued == 0);

        var later = committer.TryEnqueue(Items(100)).ShouldNotBeNull();
        (await later.WaitAsync(TimeSpan.FromSeconds(30))).ShouldAllBe(accepted => accepted);
        await committer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task TryEnqueue_RequestLargerThanCapacity_TakenWhenNothingElseWaits()
    {
        using var committer = Committer(capacity: 50);

        var big = committer.TryEnqueue(Items(120)).ShouldNotBeNull();
        committer.TryEnqueue(Items(1)).ShouldBeNull();

        await committer.StartAsync(CancellationToken.None);
        (await big.WaitAsync(TimeSpan.FromSeconds(30))).Count.ShouldBe(1);
        await committer.StopAsync(CancellationToken.None);
        (await _temp.Queries.GetNotificationAsync("ntf_committer_0", CancellationToken.None)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Commit_NewAndAlreadyTakenKeysAndLifecycleEvents_CountsOnlyStoredSendsByPriority()
    {
        using var committer = Committer(capacity: 1000);
        await committer.StartAsync(CancellationToken.None);
        var keyed = new IngestItem([Notification("ntf_committer_keyed", Priority.Urgent)], new IdempotencyRecord("k1", "h", 202, "{}", Now));

        (await committer.TryEnqueue(Items(3))!.WaitAsync(TimeSpan.FromSeconds(30))).ShouldAllBe(stored => stored);
        var lifecycle = new Notification("ntf_committer_event", "notification.accepted", Lifecycle.LifecycleEvents.Recipient, Priority.Normal, NotificationStatus.Accepted,
            Lifecycle.LifecycleEvents.Template, null, [Channel.Webhook], "{}", null, null, Now, Now);
        (await committer.TryEnqueue([new IngestItem([lifecycle], null)])!.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe([true]);
        (await committer.TryEnqueue([keyed])!.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe([true]);
        (await committer.TryEnqueue([keyed with { Notifications = [Notification("ntf_committer_again", Priority.Urgent)] }])!.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe([false]);
        await committer.StopAsync(CancellationToken.None);

        _metrics.Sum("herald.notifications.accepted|environment=env_default|priority=normal").ShouldBe(3);
        _metrics.Sum("herald.notifications.accepted|environment=env_default|priority=urgent").ShouldBe(1);
    }

    [Fact]
    public async Task Commit_PrioritiesAndEnvironmentsInterleavedInOneCommit_EachPairCountedOnce()
    {
        using var committer = Committer(capacity: 1000);
        // Enqueued before the committer starts, so they go in one commit, pairs alternating.
        var jobs = new[]
        {
            committer.TryEnqueue([new IngestItem([Notification("ntf_mix_1", Priority.Normal), Notification("ntf_mix_2", Priority.Urgent)], null)]),
            committer.TryEnqueue([new IngestItem([Notification("ntf_mix_3", Priority.Normal), Notification("ntf_mix_4", Priority.Normal) with { EnvironmentId = "env_b" }], null)]),
            committer.TryEnqueue([new IngestItem([Notification("ntf_mix_5", Priority.Normal)], null)]),
        };
        await committer.StartAsync(CancellationToken.None);
        foreach (var job in jobs)
        {
            (await job!.WaitAsync(TimeSpan.FromSeconds(30))).ShouldAllBe(stored => stored);
        }

        await committer.StopAsync(CancellationToken.None);

        _metrics.Sum("herald.notifications.accepted|environment=env_default|priority=normal").ShouldBe(3);
        _metrics.Sum("herald.notifications.accepted|environment=env_default|priority=urgent").ShouldBe(1);
        _metrics.Sum("herald.notifications.accepted|environment=env_b|priority=normal").ShouldBe(1);
    }

    private static Notification Notification(string id, Priority priority) =>
        new(id, "order.shipped", "u1", priority, NotificationStatus.Accepted, "t", 1, null, "{}", null, null, Now, Now);

    private GroupCommitter Committer(int capacity) =>
        new(_temp.Ingest, _time, new PipelineOptionsAccessor(Options.Create(new PipelineOptions { IngestQueueCapacity = capacity })), _metrics.Metrics);

    /// <summary>One request (one ingest item) holding <paramref name="count"/> notifications.</summary>
    private IReadOnlyList<IngestItem> Items(int count)
    {
        var notifications = new List<Notification>();
        for (var i = 0; i < count; i++)
        {
            notifications.Add(new Notification($"ntf_committer_{_next++}", "order.shipped", "u1", Priority.Normal, NotificationStatus.Accepted, "t", 1,
                null, "{}", null, null, Now, Now));
        }

        return [new IngestItem(notifications, null)];
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        condition().ShouldBeTrue();
    }
}
