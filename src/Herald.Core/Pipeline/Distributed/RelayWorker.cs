using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Pipeline.Distributed;

/// <summary>
/// The scheduler role's relay: hands due deliveries from the store to the work transport. The deliveries table is the
/// outbox: a delivery is marked published only after the broker confirmed its message, in the same transaction that
/// picked it (SKIP LOCKED, so several relays share the work). Scheduled sends, retries and deferrals need nothing else:
/// they become due and the relay publishes them. The backlog in the broker stays under MaxInFlight.
/// </summary>
public sealed partial class RelayWorker(
    IWorkRelayStore store,
    IWorkTransport transport,
    PipelineOptionsAccessor options,
    WorkerHealth health,
    TimeProvider time,
    ILogger<RelayWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        health.Started("relay");
        var backoff = TimeSpan.Zero;
        var lastRepublish = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var o = options.Value;
            try
            {
                var now = time.GetUtcNow();
                if (now - lastRepublish >= o.RepublishAfter / 4)
                {
                    var again = await store.RepublishStaleAsync(now - o.RepublishAfter, stoppingToken);
                    if (again > 0)
                    {
                        LogRepublished(logger, again);
                    }

                    lastRepublish = now;
                }

                var published = await store.RelayDueAsync(now, o.RelayBatch, o.MaxInFlight,
                    (deliveries, ct) => transport.PublishAsync([.. deliveries.Select(ToItem)], ct), stoppingToken);
                backoff = TimeSpan.Zero;
                if (published < o.RelayBatch)
                {
                    await Task.Delay(o.PollInterval, time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Store or broker unreachable: nothing was marked published, so nothing is lost; try again later.
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                LogRelayFault(logger, ex, backoff.TotalMilliseconds);
                await Task.Delay(backoff, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    public static WorkItem ToItem(Delivery d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new WorkItem(d.Id, d.NotificationId, d.RecipientId, d.Channel, d.Priority, d.DueAt, System.Diagnostics.Activity.Current?.Id);
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "Relay round failed; retrying in {DelayMs} ms")]
    private static partial void LogRelayFault(ILogger logger, Exception ex, double delayMs);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Warning, Message = "{Count} published deliveries were never claimed; publishing them again")]
    private static partial void LogRepublished(ILogger logger, int count);
}
