using Herald.Core.Storage;
using Herald.Core.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Pipeline.Distributed;

/// <summary>
/// The worker role's heartbeat in the worker registry: every <see cref="Interval"/> it records this process as alive and
/// hands the live list to <see cref="PartitionOwnership"/>. A node silent for three intervals no longer owns partitions
/// (its consumers are gone anyway once its broker connection is); a clean stop leaves the registry at once.
/// </summary>
public sealed partial class WorkerMembershipWorker(
    IWorkerRegistry registry,
    PartitionOwnership ownership,
    TimeProvider time,
    ILogger<WorkerMembershipWorker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                ownership.Update(await registry.HeartbeatAsync(ownership.NodeId, Interval * 3, stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store is unreachable: keep the last assignment (dispatch cannot claim anything meanwhile anyway).
                LogHeartbeatFault(logger, ex);
            }

            await Task.Delay(Interval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await registry.LeaveAsync(ownership.NodeId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLeaveFault(logger, ex); // The others stop counting this node after three intervals anyway.
        }
    }

    [LoggerMessage(EventId = 2701, Level = LogLevel.Warning, Message = "Worker heartbeat failed; keeping the last partition assignment")]
    private static partial void LogHeartbeatFault(ILogger logger, Exception ex);

    [LoggerMessage(EventId = 2702, Level = LogLevel.Warning, Message = "Leaving the worker registry failed")]
    private static partial void LogLeaveFault(ILogger logger, Exception ex);
}
