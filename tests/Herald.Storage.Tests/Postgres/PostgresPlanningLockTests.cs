using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using static Herald.Storage.Tests.Contracts.NotificationSamples;

namespace Herald.Storage.Tests.Postgres;

/// <summary>The sweeper's release of expired plans never waits on rows a planner is completing.</summary>
public sealed class PostgresPlanningLockTests
{
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
