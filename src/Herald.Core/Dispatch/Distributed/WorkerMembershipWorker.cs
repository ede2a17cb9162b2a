using Herald.Core.Observability;
using Herald.Core.Storage;
using Herald.Core.Transport;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Dispatch.Distributed;

/// <summary>
/// The worker role's heartbeat in the worker registry: every <see cref="Interval"/> it records this process as alive and
/// hands the live list to <see cref="PartitionOwnership"/>. A node silent for three intervals no longer owns partitions
/// (its consumers are gone anyway once its broker connection is); a clean stop leaves the registry at once.
/// </summary>
internal sealed partial class WorkerMembershipWorker(
    IWorkerRegistry registry,
    PartitionOwnership ownership,
    HeraldMetrics metrics,
    TimeProvider time,
    ILogger<WorkerMembershipWorker> logger) : PollingWorker("worker_membership", metrics, time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override WorkerBackoff Backoff => WorkerBackoff.Constant(Interval);

    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct)
    {
        ownership.Update(await registry.HeartbeatAsync(ownership.NodeId, Interval * 3, ct));
        return NextRound.In(Interval);
    }

    // The store is unreachable: keep the last assignment (dispatch cannot claim anything meanwhile anyway).
    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogHeartbeatFault(logger, exception, retryIn.TotalMilliseconds);

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

    [LoggerMessage(EventId = 2701, Level = LogLevel.Warning, Message = "Worker heartbeat failed; keeping the last partition assignment, trying again in {DelayMs} ms")]
    private static partial void LogHeartbeatFault(ILogger logger, Exception ex, double delayMs);

    [LoggerMessage(EventId = 2702, Level = LogLevel.Warning, Message = "Leaving the worker registry failed")]
    private static partial void LogLeaveFault(ILogger logger, Exception ex);
}
