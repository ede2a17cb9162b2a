using System.Diagnostics;
using System.Diagnostics.Metrics;
using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Observability;

/// <summary>
/// Queue depth and oldest-item age per lane, deliveries in flight and the dead-letter queue, as gauges. A scrape must not
/// query the store (it could pile up behind the single SQLite writer or a slow PostgreSQL), so a loop refreshes a snapshot
/// every <see cref="Interval"/> and the gauges read it; the age is computed at scrape time, so it keeps growing between
/// refreshes. Every lane is reported, empty ones as 0, so an alert never sees a missing series as healthy.
/// </summary>
public sealed partial class QueueGauges : PollingWorker
{
    private static readonly Channel[] Channels = Enum.GetValues<Channel>();
    private static readonly Priority[] Priorities = Enum.GetValues<Priority>();

    private readonly IQueueStatsStore _store;
    private readonly ILogger<QueueGauges> _logger;
    private volatile QueueSnapshot? _snapshot;

    public QueueGauges(IQueueStatsStore store, HeraldMetrics metrics, TimeProvider time, ILogger<QueueGauges> logger)
        : base("queue_gauges", metrics, time)
    {
        _store = store;
        _logger = logger;
        metrics.Meter.CreateObservableGauge("herald.queue.depth", ObserveDepth, description: "Deliveries due now and waiting in each lane (channel × priority).");
        metrics.Meter.CreateObservableGauge("herald.queue.oldest_age", ObserveAge, "s", "Age of the oldest delivery due in each lane (0 when the lane is empty).");
        metrics.Meter.CreateObservableGauge("herald.deliveries.sending", () => _snapshot is { } s ? [new Measurement<long>(s.Sending)] : Array.Empty<Measurement<long>>(),
            description: "Deliveries claimed and being sent.");
        metrics.Meter.CreateObservableGauge("herald.dlq.depth", () => _snapshot is { } s ? [new Measurement<long>(s.Dead)] : Array.Empty<Measurement<long>>(),
            description: "Deliveries in the dead-letter queue.");
    }

    /// <summary>How often the snapshot is refreshed (Herald:Metrics:QueueInterval, default 5 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Refreshes the snapshot once (also what the loop does).</summary>
    public async Task RefreshAsync(CancellationToken ct) => _snapshot = await _store.GetQueueSnapshotAsync(Time.GetUtcNow(), ct);

    protected override WorkerBackoff Backoff => WorkerBackoff.Constant(Interval);

    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct)
    {
        await RefreshAsync(ct);
        return NextRound.In(Interval);
    }

    // The store is down: the last snapshot stays (its ages keep growing), and /readyz says why.
    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogRefreshFailed(_logger, exception, retryIn.TotalMilliseconds);

    private IEnumerable<Measurement<long>> ObserveDepth()
    {
        if (_snapshot is not { } s)
        {
            yield break;
        }

        foreach (var channel in Channels)
        {
            foreach (var priority in Priorities)
            {
                yield return new Measurement<long>(Find(s, channel, priority)?.Due ?? 0, Tags(channel, priority));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveAge()
    {
        if (_snapshot is not { } s)
        {
            yield break;
        }

        var now = Time.GetUtcNow();
        foreach (var channel in Channels)
        {
            foreach (var priority in Priorities)
            {
                var age = Find(s, channel, priority)?.OldestDue is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0;
                yield return new Measurement<double>(age, Tags(channel, priority));
            }
        }
    }

    private static LaneBacklog? Find(QueueSnapshot s, Channel channel, Priority priority)
    {
        foreach (var lane in s.Lanes)
        {
            if (lane.Channel == channel && lane.Priority == priority)
            {
                return lane;
            }
        }

        return null;
    }

    private static TagList Tags(Channel channel, Priority priority) => new() { { "channel", channel.ToWire() }, { "priority", priority.ToWire() } };

    [LoggerMessage(EventId = 2601, Level = LogLevel.Warning, Message = "Refreshing the queue gauges failed; showing the last snapshot, trying again in {DelayMs} ms")]
    private static partial void LogRefreshFailed(ILogger logger, Exception ex, double delayMs);
}
