using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static Herald.Storage.Tests.Contracts.NotificationSamples;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// SQLite's planning round writes each notification once (issue 19): no lease is written before planning, the rows stay
/// <c>accepted</c> while planned, a cancel that lands during planning wins over the plan, and a failed plan leaves them
/// due at once.
/// </summary>
public sealed class SqlitePlanRoundTests
{
    [Fact]
    public async Task PlanDueAsync_CancelledWhilePlanned_PlanNotWrittenAndTheOthersAre()
    {
        await using var s = await Stores.SqliteAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1"), Notification("ntf_2")], null)], Now, CancellationToken.None);
        string? statusMeanwhile = null;

        var round = await s.Plans.PlanDueAsync(Priority.Normal, Now, Now + Lease, 10, async (batch, ct) =>
        {
            statusMeanwhile = (await s.Queries.GetNotificationAsync("ntf_1", ct))!.Status;
            (await s.Queries.CancelNotificationAsync("ntf_1", Now, ct)).ShouldBe(true);
            return [.. batch.Select(n => new PlanResult(n.Id, [Delivery("dlv_" + n.Id, n.Id)], [Trace(n.Id, "planned")], NotificationStatus.Processing))];
        }, new FakeTimeProvider(Now), CancellationToken.None);

        statusMeanwhile.ShouldBe(NotificationStatus.Accepted, "nothing is written before the plan");
        round.Results.Select(r => r.NotificationId).ShouldBe(["ntf_1", "ntf_2"]);
        round.Written.ShouldBe([false, true]);
        round.Written.RefusalOf(0).ShouldBeNull();
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Cancelled);
        (await s.Queries.GetDeliveriesAsync("ntf_1", CancellationToken.None)).ShouldBeEmpty();
        (await s.Queries.GetTraceAsync("ntf_1", CancellationToken.None)).ShouldNotContain(t => t.Decision == "planned");
        (await s.Queries.GetNotificationAsync("ntf_2", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Processing);
        (await s.Queries.GetDeliveriesAsync("ntf_2", CancellationToken.None)).Select(d => d.Id).ShouldBe(["dlv_ntf_2"]);
    }

    [Fact]
    public async Task PlanDueAsync_PlanThrows_NothingWrittenAndDueAgainAtOnce()
    {
        await using var s = await Stores.SqliteAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1")], null)], Now, CancellationToken.None);
        var time = new FakeTimeProvider(Now);

        var failing = s.Plans.PlanDueAsync(Priority.Normal, Now, Now + Lease, 10, (_, _) => throw new InvalidOperationException("the planner failed"), time, CancellationToken.None);

        (await Should.ThrowAsync<InvalidOperationException>(failing)).Message.ShouldBe("the planner failed");
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Accepted);
        // No lease to wait out: the next round at the same instant takes it.
        var round = await s.Plans.PlanDueAsync(Priority.Normal, Now, Now + Lease, 10, (batch, _) =>
            Task.FromResult<IReadOnlyList<PlanResult>>([.. batch.Select(n => new PlanResult(n.Id, [], [Trace(n.Id, "nothing")], NotificationStatus.Completed))]), time, CancellationToken.None);
        round.Written.ShouldBe([true]);
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Completed);
    }
}
