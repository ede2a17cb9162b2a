using Herald.Core.Digests;
using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Digest appends in the planning transaction and the closer: every item in exactly one digest, one notification per digest.</summary>
public abstract class DigestContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    private static IDigestStore Digests(StoreHandle s) => s.Port<IDigestStore>();

    private static DigestAppend Append(string notificationId, string key, DateTimeOffset closeAt, int max = 100, string user = "u1") =>
        new(user, "post.liked", DigestKinds.Batch, key, notificationId, "", $"{{\"like\":\"{notificationId}\"}}", closeAt, max, "likes_digest", null);

    /// <summary>Accepts and claims notifications, then completes their planning as digested with the given appends (one transaction).</summary>
    private static async Task PlanDigestedAsync(StoreHandle s, IReadOnlyList<DigestAppend> appends, DateTimeOffset at)
    {
        var notifications = appends.Select(a => new Notification(a.NotificationId, a.EventType, a.RecipientId, Priority.Normal, NotificationStatus.Accepted, "post", 1, null,
            a.Data, null, null, at, at)).ToList();
        await s.Ingest.AcceptAsync([new IngestItem(notifications, null)], at, None);
        var claimed = new List<Notification>();
        while (claimed.Count < notifications.Count)
        {
            var batch = await s.Plans.ClaimForPlanningAsync(Priority.Normal, at, at.AddMinutes(1), 500, None);
            batch.ShouldNotBeEmpty();
            claimed.AddRange(batch);
        }

        await s.Plans.CompletePlanningAsync([.. appends.Select(a => new PlanResult(a.NotificationId, [], [], NotificationStatus.Digested, a))], at, None);
    }

    /// <summary>An event goes into its digest; a digest notification the closer made meanwhile is simply planned (no deliveries here).</summary>
    private static PlanResult Plan(Notification n, System.Collections.Concurrent.ConcurrentDictionary<string, DigestAppend> pending) =>
        pending.TryGetValue(n.Id, out var append)
            ? new PlanResult(n.Id, [], [], NotificationStatus.Digested, append)
            : new PlanResult(n.Id, [], [], NotificationStatus.Completed);

    private static async Task<List<Notification>> DigestNotificationsAsync(StoreHandle s, string user = "u1") =>
        [.. (await s.Queries.ListNotificationsAsync(Environments.Default, user, null, 500, null, None)).Where(DigestNotifications.IsDigest)];

    [Fact]
    public async Task CloseDueDigestsAsync_AppendNamingChannels_DigestNotificationKeepsThem()
    {
        await using var s = await OpenAsync();
        await PlanDigestedAsync(s, [Append("ntf_c1", "c", Now.AddSeconds(1)) with { Channels = [Channel.Sms, Channel.Email] }, Append("ntf_n1", "n", Now.AddSeconds(1))], Now);

        (await Digests(s).CloseDueDigestsAsync(Now.AddSeconds(2), 10, None)).ShouldBe(2);

        var digests = (await DigestNotificationsAsync(s)).ToDictionary(d => System.Text.Json.Nodes.JsonNode.Parse(d.Data)!["group_key"]!.GetValue<string>(), StringComparer.Ordinal);
        digests["c"].Channels.ShouldBe([Channel.Sms, Channel.Email], "the channels the append named, in order");
        digests["n"].Channels.ShouldBeNull("no list named: the recipient's channels apply");
    }

    [Fact]
    public async Task CloseDueDigestsAsync_TwoKeys_OneDigestEachWithItsItemsInOrder()
    {
        await using var s = await OpenAsync();
        await PlanDigestedAsync(s, [Append("ntf_a1", "a", Now.AddSeconds(1)), Append("ntf_b1", "b", Now.AddSeconds(1)), Append("ntf_a2", "a", Now.AddSeconds(1))], Now);

        (await Digests(s).CloseDueDigestsAsync(Now, 10, None)).ShouldBe(0, "the windows have not ended");
        (await Digests(s).CloseDueDigestsAsync(Now.AddSeconds(2), 10, None)).ShouldBe(2);
        (await Digests(s).CloseDueDigestsAsync(Now.AddSeconds(3), 10, None)).ShouldBe(0);

        var digests = await DigestNotificationsAsync(s);
        digests.Select(d => System.Text.Json.Nodes.JsonNode.Parse(d.Data)!["group_key"]!.GetValue<string>() + ":" + System.Text.Json.Nodes.JsonNode.Parse(d.Data)!["count"])
            .Order(StringComparer.Ordinal).ShouldBe(["a:2", "b:1"]);
        digests.ShouldAllBe(d => d.TemplateId == "likes_digest" && d.Status == NotificationStatus.Accepted);
        (await s.Queries.GetTraceAsync("ntf_a1", None)).ShouldContain(t => t.Stage == "digest" && t.Reason.StartsWith("sent in digest notification ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AppendAsync_MaxItems_ClosesInThePlanningTransactionAndTheNextItemOpensANewDigest()
    {
        await using var s = await OpenAsync();

        await PlanDigestedAsync(s, [.. Enumerable.Range(0, 5).Select(i => Append($"ntf_m{i}", "k", Now.AddMinutes(5), max: 2))], Now);

        var digests = await DigestNotificationsAsync(s);
        digests.Count.ShouldBe(2);
        digests.ShouldAllBe(d => System.Text.Json.Nodes.JsonNode.Parse(d.Data)!["count"]!.GetValue<int>() == 2);
        (await Digests(s).CloseDueDigestsAsync(Now.AddMinutes(6), 10, None)).ShouldBe(1, "the fifth item's digest closes at its window");
    }

    [Fact]
    public async Task AppendAndClose_ConcurrentPlannersAndClosers_EveryItemInExactlyOneDigest()
    {
        await using var s = await OpenAsync();
        const int planners = 8;
        const int perPlanner = 40;
        using var closing = new CancellationTokenSource();
        var clock = Now;

        // Closers run with a moving clock while eight planners append to the same key in small transactions of their own.
        var closers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!closing.IsCancellationRequested)
            {
                await Digests(s).CloseDueDigestsAsync(Now.AddHours(1), 50, None);
            }
        })).ToList();
        try
        {
            var pending = new System.Collections.Concurrent.ConcurrentDictionary<string, DigestAppend>(StringComparer.Ordinal);
            await Task.WhenAll(Enumerable.Range(0, planners).Select(p => Task.Run(async () =>
            {
                for (var i = 0; i < perPlanner; i += 4)
                {
                    var appends = Enumerable.Range(i, 4).Select(j => Append($"ntf_p{p}_{j:D2}", "hot", clock.AddMilliseconds(j % 3), max: 7)).ToList();
                    foreach (var a in appends)
                    {
                        pending[a.NotificationId] = a;
                    }

                    await s.Ingest.AcceptAsync([new IngestItem([.. appends.Select(a => new Notification(a.NotificationId, a.EventType, a.RecipientId, Priority.Normal,
                        NotificationStatus.Accepted, "post", 1, null, a.Data, null, null, clock, clock))], null)], clock, None);
                    // Planners claim whatever is due (another planner's notifications too), as real planner loops do.
                    var claimed = await s.Plans.ClaimForPlanningAsync(Priority.Normal, clock, clock.AddMinutes(1), 4, None);
                    await s.Plans.CompletePlanningAsync([.. claimed.Select(n => Plan(n, pending))], clock, None);
                }
            })));
            for (var left = await s.Plans.ClaimForPlanningAsync(Priority.Normal, clock, clock.AddMinutes(1), 500, None); left.Count > 0;
                 left = await s.Plans.ClaimForPlanningAsync(Priority.Normal, clock, clock.AddMinutes(1), 500, None))
            {
                await s.Plans.CompletePlanningAsync([.. left.Select(n => Plan(n, pending))], clock, None);
            }
        }
        finally
        {
            closing.Cancel();
        }
        await Task.WhenAll(closers);
        await Digests(s).CloseDueDigestsAsync(Now.AddHours(1), 1000, None);

        var items = (await DigestNotificationsAsync(s))
            .SelectMany(d => System.Text.Json.Nodes.JsonNode.Parse(d.Data)!["items"]!.AsArray().Select(i => i!["like"]!.GetValue<string>()))
            .ToList();
        items.Count.ShouldBe(planners * perPlanner, "an item was lost or sent twice");
        items.Distinct().Count().ShouldBe(planners * perPlanner);
    }
}

public sealed class SqliteDigestTests : DigestContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresDigestTests : DigestContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
