using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Storage.Postgres;

/// <summary>
/// The scheduler role's partition job: creates the monthly partitions around now, at start and then every six hours,
/// so a month always has its partition before its first row. Dropping old months is retention's work
/// (<see cref="PostgresStore.PurgeExpiredAsync"/>, run by the RetentionWorker), which keeps pending rows. Several
/// schedulers may run it: partition creation is idempotent.
/// </summary>
public sealed partial class PartitionMaintenanceService(PostgresStore store, TimeProvider time, ILogger<PartitionMaintenanceService> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromHours(6);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(5);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, time, stoppingToken);
                await store.EnsurePartitionsAsync(stoppingToken);
                delay = Every;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
                delay = TimeSpan.FromMinutes(1);
            }
        }
    }

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Partition maintenance failed; trying again in a minute")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
