using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Pipeline;

/// <summary>Claims due notifications per priority (urgent has its own loop), plans them and writes the deliveries in one batch.</summary>
public sealed partial class PlannerWorker(
    IPlanStore store,
    Planner planner,
    Signals signals,
    PipelineOptionsAccessor options,
    WorkerHealth health,
    TimeProvider time,
    ILogger<PlannerWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        health.Started("planner");
        return Task.WhenAll(new[] { Priority.Urgent, Priority.Normal, Priority.Low }.Select(p => Task.Run(() => RunAsync(p, stoppingToken), stoppingToken)));
    }

    private async Task RunAsync(Priority priority, CancellationToken ct)
    {
        var o = options.Value;
        using var writes = WritePriority.Urgent(priority == Priority.Urgent);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                var batch = await store.ClaimForPlanningAsync(priority, now, now + o.Lease, 256, ct);
                if (batch.Count == 0)
                {
                    await signals.WaitAsync(Signals.Planner(priority), o.PollInterval, time, ct);
                    continue;
                }

                var results = await planner.PlanBatchAsync(batch, ct);

                var written = await store.CompletePlanningAsync(results, time.GetUtcNow(), ct);
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
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPlannerFault(logger, ex, priority.ToWire());
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "Planner for {Priority} failed a round; backing off")]
    private static partial void LogPlannerFault(ILogger logger, Exception ex, string priority);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "The plan of notification {NotificationId} could not be stored ({Reason}); it failed alone")]
    private static partial void LogPlanUnstorable(ILogger logger, string notificationId, string reason);
}
