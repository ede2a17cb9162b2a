using Herald.Core.Observability;
using Herald.Core.Storage;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Core.Retention;

/// <summary>
/// The scheduler's retention job: every <see cref="RetentionOptions.Interval"/> removes what is past its retention
/// (never pending work; see <see cref="IRetentionStore"/>), then logs and counts what left. Several schedulers may run
/// it at once: each removal is idempotent. Audit log entries older than <see cref="RetentionOptions.Audit"/> leave in
/// the same run.
/// </summary>
public sealed partial class RetentionWorker(
    IRetentionStore store,
    IAuditStore audit,
    IOptions<RetentionOptions> options,
    HeraldMetrics metrics,
    TimeProvider time,
    ILogger<RetentionWorker> logger) : PollingWorker("retention", metrics, time)
{
    // The first run waits a little after start (the store is being prepared), never longer than the interval.
    private static readonly TimeSpan FirstRunAfter = TimeSpan.FromSeconds(30);

    protected override TimeSpan FirstRoundAfter => options.Value.Interval < FirstRunAfter ? options.Value.Interval : FirstRunAfter;

    // A failed run is tried again within a minute, sooner when the interval is shorter.
    protected override WorkerBackoff Backoff => WorkerBackoff.Constant(options.Value.Interval < TimeSpan.FromMinutes(1) ? options.Value.Interval : TimeSpan.FromMinutes(1));

    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct)
    {
        await RunOnceAsync(ct);
        return NextRound.In(options.Value.Interval);
    }

    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogFailed(logger, exception, retryIn.TotalMilliseconds);

    /// <summary>One retention run at the current time.</summary>
    public async Task<RetentionSummary> RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = Time.GetUtcNow();
        var removed = await store.PurgeExpiredAsync(new RetentionCutoffs(now - o.Notifications, now - o.Feed, o.BatchSize), ct);
        Metrics.RetentionRemoved(removed);
        if (!removed.IsEmpty)
        {
            LogRemoved(logger, removed.Notifications, removed.Deliveries, removed.FeedItems, removed.OutboxMessages, removed.PartitionsDropped,
                removed.CarriedOver, removed.PagesFreed);
        }

        if (await audit.PurgeAuditAsync(now - o.Audit, o.BatchSize, ct) is > 0 and var auditRemoved)
        {
            LogAuditRemoved(logger, auditRemoved);
        }

        return removed;
    }

    [LoggerMessage(EventId = 2801, Level = LogLevel.Information, Message =
        "Retention removed {Notifications} notifications, {Deliveries} deliveries, {FeedItems} feed items and {OutboxMessages} outbox messages " +
        "({Partitions} monthly partitions dropped, {CarriedOver} pending notifications carried over, {PagesFreed} file pages freed)")]
    private static partial void LogRemoved(ILogger logger, long notifications, long deliveries, long feedItems, long outboxMessages, int partitions,
        long carriedOver, long pagesFreed);

    [LoggerMessage(EventId = 2803, Level = LogLevel.Information, Message = "Retention removed {AuditEntries} audit log entries")]
    private static partial void LogAuditRemoved(ILogger logger, long auditEntries);

    [LoggerMessage(EventId = 2802, Level = LogLevel.Warning, Message = "Retention run failed; trying again in {DelayMs} ms")]
    private static partial void LogFailed(ILogger logger, Exception ex, double delayMs);
}
