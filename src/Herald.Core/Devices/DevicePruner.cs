using Herald.Core.Observability;
using Herald.Core.Storage;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Core.Devices;

/// <summary>
/// Deletes push tokens not registered again within <see cref="DeviceOptions.StaleAfter"/>, so a token of an uninstalled
/// app stops costing a failed send per notification. Scheduler role; several schedulers pruning at once is harmless.
/// </summary>
internal sealed partial class DevicePruner(IUserStore users, IOptions<DeviceOptions> options, HeraldMetrics metrics, TimeProvider time, ILogger<DevicePruner> logger)
    : PollingWorker("device_pruner", metrics, time)
{
    private readonly DeviceOptions _options = options.Value;

    protected override WorkerBackoff Backoff => WorkerBackoff.Constant(_options.PruneInterval);

    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct)
    {
        await PruneOnceAsync(ct);
        return NextRound.In(_options.PruneInterval);
    }

    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogPruneFailed(logger, exception, retryIn.TotalMilliseconds);

    /// <summary>One pass; returns how many devices were pruned.</summary>
    public async Task<int> PruneOnceAsync(CancellationToken ct)
    {
        var pruned = await users.PruneDevicesAsync(Time.GetUtcNow() - _options.StaleAfter, ct);
        if (pruned > 0)
        {
            LogPruned(logger, pruned, _options.StaleAfter);
        }

        return pruned;
    }

    [LoggerMessage(EventId = 2901, Level = LogLevel.Information, Message = "Pruned {Count} push devices not seen for {StaleAfter}")]
    private static partial void LogPruned(ILogger logger, int count, TimeSpan staleAfter);

    [LoggerMessage(EventId = 2902, Level = LogLevel.Error, Message = "Pruning stale push devices failed; trying again in {DelayMs} ms")]
    private static partial void LogPruneFailed(ILogger logger, Exception ex, double delayMs);
}
