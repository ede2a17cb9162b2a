using Herald.Core.Observability;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;

namespace Herald.Storage.Postgres;

/// <summary>
/// The scheduler role's partition job: creates the monthly partitions around now, at start and then every six hours,
/// so a month always has its partition before its first row. Dropping old months is retention's work
/// (<see cref="PostgresRetentionStore.PurgeExpiredAsync"/>, run by the RetentionWorker), which keeps pending rows. Several
/// schedulers may run it: partition creation is idempotent.
/// </summary>
internal sealed partial class PartitionMaintenanceService(PostgresRetentionStore store, HeraldMetrics metrics, TimeProvider time, ILogger<PartitionMaintenanceService> logger)
    : PollingWorker("partition_maintenance", metrics, time)
{
    private static readonly TimeSpan Every = TimeSpan.FromHours(6);

    protected override TimeSpan FirstRoundAfter => TimeSpan.FromSeconds(5);

    protected override WorkerBackoff Backoff => WorkerBackoff.Constant(TimeSpan.FromMinutes(1));

    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct)
    {
        await store.EnsurePartitionsAsync(ct);
        return NextRound.In(Every);
    }

    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogFailed(logger, exception, retryIn.TotalMilliseconds);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Partition maintenance failed; trying again in {DelayMs} ms")]
    private static partial void LogFailed(ILogger logger, Exception ex, double delayMs);
}
