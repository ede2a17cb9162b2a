using Herald.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Core.Devices;

/// <summary>
/// Deletes push tokens not registered again within <see cref="DeviceOptions.StaleAfter"/>, so a token of an uninstalled
/// app stops costing a failed send per notification. Scheduler role; several schedulers pruning at once is harmless.
/// </summary>
public sealed partial class DevicePruner(IUserStore users, IOptions<DeviceOptions> options, TimeProvider time, ILogger<DevicePruner> logger) : BackgroundService
{
    private readonly DeviceOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PruneOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPruneFailed(logger, ex);
            }

            await Task.Delay(_options.PruneInterval, time, stoppingToken);
        }
    }

    /// <summary>One pass; returns how many devices were pruned.</summary>
    public async Task<int> PruneOnceAsync(CancellationToken ct)
    {
        var pruned = await users.PruneDevicesAsync(time.GetUtcNow() - _options.StaleAfter, ct);
        if (pruned > 0)
        {
            LogPruned(logger, pruned, _options.StaleAfter);
        }

        return pruned;
    }

    [LoggerMessage(EventId = 2901, Level = LogLevel.Information, Message = "Pruned {Count} push devices not seen for {StaleAfter}")]
    private static partial void LogPruned(ILogger logger, int count, TimeSpan staleAfter);

    [LoggerMessage(EventId = 2902, Level = LogLevel.Error, Message = "Pruning stale push devices failed; trying again at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, Exception ex);
}
