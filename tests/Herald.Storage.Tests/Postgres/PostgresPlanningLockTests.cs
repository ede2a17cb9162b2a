using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static Herald.Storage.Tests.Contracts.NotificationSamples;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// The sweeper's release of expired plans never waits on rows a planner is completing; a planning round holds its rows
/// locked, not leased, and a failed round leaves them due at once.
/// </summary>
public sealed class PostgresPlanningLockTests
{
    [Fact]
    public async Task PlanDueAsync_WhilePlanning_RowsLockedNotLeasedAndAFailedPlanLeavesThemDue()
    {
        await using var s = await Stores.PostgresAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_1"), Notification("ntf_2")], null)], Now, CancellationToken.None);
        var time = new FakeTimeProvider(Now);
        IReadOnlyList<Notification>? claimedMeanwhile = null;
        string? statusMeanwhile = null;

        var failing = s.Plans.PlanDueAsync(Priority.Normal, Now, Now + Lease, 10, async (batch, ct) =>
        {
            batch.Count.ShouldBe(2);
            // Another planner (another node) skips the locked rows rather than waiting; readers see them still accepted.
            claimedMeanwhile = await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now + Lease, 10, ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
            statusMeanwhile = (await s.Queries.GetNotificationAsync("ntf_1", ct))!.Status;
            throw new InvalidOperationException("the planner failed");
        }, time, CancellationToken.None);

        (await Should.ThrowAsync<InvalidOperationException>(failing)).Message.ShouldBe("the planner failed");
        claimedMeanwhile.ShouldBeEmpty();
        statusMeanwhile.ShouldBe(NotificationStatus.Accepted);
        // Rolled back, no lease: due again now, not after the lease.
        (await s.Queries.GetNotificationAsync("ntf_1", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Accepted);
        var round = await s.Plans.PlanDueAsync(Priority.Normal, Now, Now + Lease, 10, (batch, _) =>
            Task.FromResult<IReadOnlyList<PlanResult>>([.. batch.Select(n => new PlanResult(n.Id, [], [Trace(n.Id, "nothing")], NotificationStatus.Completed))]), time, CancellationToken.None);
        round.Results.Select(r => r.NotificationId).Order().ShouldBe(["ntf_1", "ntf_2"]);
        round.Written.ShouldBe([true, true]);
        (await s.Queries.GetNotificationAsync("ntf_2", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Completed);
    }

    [Fact]
    public async Task ReleaseExpiredPlanningAsync_RowLockedByACompletingPlanner_SkipsItWithoutWaiting()
    {
        await using var s = await Stores.PostgresAsync();
        await s.Ingest.AcceptAsync([new IngestItem([Notification("ntf_busy"), Notification("ntf_idle")], null)], Now, CancellationToken.None);
        (await s.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now + Lease, 10, CancellationToken.None)).Count.ShouldBe(2);

        // A planner's completion holding ntf_busy's row (as CompletePlanningAsync does while it inserts the deliveries).
        await using var planner = await s.Postgres!.OpenAsync(CancellationToken.None);
        await using var tx = await planner.BeginTransactionAsync();
        await using (var lockRow = new Npgsql.NpgsqlCommand("SELECT 1 FROM notifications WHERE id = 'ntf_busy' FOR UPDATE", planner, tx))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        // Waiting here is what let the sweeper and a planner deadlock, each holding rows of the other's batch.
        var released = await s.Plans.ReleaseExpiredPlanningAsync(Now + Lease + TimeSpan.FromSeconds(1), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        released.ShouldBe(1);
        (await s.Queries.GetNotificationAsync("ntf_idle", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Accepted);
        await tx.RollbackAsync();
        (await s.Queries.GetNotificationAsync("ntf_busy", CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Planning);
    }
}
