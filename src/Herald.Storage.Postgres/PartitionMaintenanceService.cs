using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Storage.Postgres;

/// <summary>
/// The scheduler role's retention job: creates the monthly partitions around now and drops those wholly older than
/// <see cref="PostgresOptions.Retention"/>, at start and then every six hours. Several schedulers may run it: partition
/// DDL is idempotent (create if missing, drop if present).
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
                var dropped = await store.MaintainPartitionsAsync(time.GetUtcNow(), stoppingToken);
                if (dropped > 0)
                {
                    LogDropped(logger, dropped);
                }

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

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Retention dropped {Count} monthly partitions")]
    private static partial void LogDropped(ILogger logger, int count);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Partition maintenance failed; trying again in a minute")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
