using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Planning;

/// <summary>Claims due notifications per priority (urgent has its own loop), plans them and writes the deliveries in one batch.</summary>
internal sealed partial class PlannerWorker(
    IPlanStore store,
    Planner planner,
    Signals signals,
    PipelineOptionsAccessor options,
    WorkerHealth health,
    HeraldMetrics metrics,
    TimeProvider time,
    ILogger<PlannerWorker> logger) : BackgroundService
{
    // A failed round (store unreachable) is tried again a second later; claimed notifications come back with their lease.
    private static readonly WorkerBackoff Backoff = WorkerBackoff.Constant(TimeSpan.FromSeconds(1));

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        health.Started("planner");
        return Task.WhenAll(new[] { Priority.Urgent, Priority.Normal, Priority.Low }.Select(p => Task.Run(() => RunAsync(p, stoppingToken), stoppingToken)));
    }

    /// <summary>One priority's loop: the shared worker loop (failures logged, counted as <c>planner</c>, backed off), writes at the priority's rank.</summary>
    private async Task RunAsync(Priority priority, CancellationToken ct)
    {
        using var writes = WritePriority.Urgent(priority == Priority.Urgent);
        var wire = priority.ToWire();
        await new WorkerLoop("planner", metrics, time).RunAsync(
            TimeSpan.Zero, round => PlanRoundAsync(priority, round), () => Backoff, (ex, retryIn) => LogPlannerFault(logger, ex, wire, retryIn.TotalMilliseconds), ct);
    }

    private async Task<NextRound> PlanRoundAsync(Priority priority, CancellationToken ct)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var (results, written) = await store.PlanDueAsync(priority, now, now + o.Lease, 256, planner.PlanBatchAsync, time, ct);
        if (results.Count == 0)
        {
            return NextRound.InOrWhenWoken(o.PollInterval, signals.Arm(Signals.Planner(priority)));
        }

        for (var i = 0; i < results.Count; i++)
        {
            if (written.RefusalOf(i) is { } reason)
            {
                LogPlanUnstorable(logger, results[i].NotificationId, reason);
            }
        }

        foreach (var lane in results.SelectMany(r => r.Deliveries).Select(d => (d.Channel, d.Priority)).Distinct())
        {
            signals.Notify(Signals.Lane(lane.Channel, lane.Priority));
        }

        return NextRound.Now;
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "Planner for {Priority} failed a round; retrying in {DelayMs} ms")]
    private static partial void LogPlannerFault(ILogger logger, Exception ex, string priority, double delayMs);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "The plan of notification {NotificationId} could not be stored ({Reason}); it failed alone")]
    private static partial void LogPlanUnstorable(ILogger logger, string notificationId, string reason);
}
