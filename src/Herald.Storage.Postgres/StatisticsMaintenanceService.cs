using Herald.Core.Observability;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;

namespace Herald.Storage.Postgres;

/// <summary>
/// The scheduler role's statistics job: every few seconds, analyzes the tables that changed enough since their last
/// analysis (<see cref="PostgresStatistics"/>), so the plans PostgreSQL caches for the hot path follow a table's growth
/// within seconds instead of autovacuum's minute.
/// </summary>
internal sealed partial class StatisticsMaintenanceService(PostgresStatistics statistics, HeraldMetrics metrics, TimeProvider time, ILogger<StatisticsMaintenanceService> logger)
    : PollingWorker("statistics_maintenance", metrics, time)
{
    internal static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    protected override TimeSpan FirstRoundAfter => Every;

    protected override WorkerBackoff Backoff => WorkerBackoff.Constant(TimeSpan.FromMinutes(1));

    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct)
    {
        var analyzed = await statistics.AnalyzeChangedAsync(ct);
        if (analyzed.Count > 0)
        {
            LogAnalyzed(logger, string.Join(", ", analyzed));
        }

        return NextRound.In(Every);
    }

    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogFailed(logger, exception, retryIn.TotalMilliseconds);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "Statistics maintenance failed; trying again in {DelayMs} ms")]
    private static partial void LogFailed(ILogger logger, Exception ex, double delayMs);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Debug, Message = "Analyzed {Tables}")]
    private static partial void LogAnalyzed(ILogger logger, string tables);
}
