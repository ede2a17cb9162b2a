using System.Diagnostics;
using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Transport;
using Herald.Core.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Dispatch.Distributed;

/// <summary>
/// The scheduler role's relay: hands due deliveries from the store to the work transport. The deliveries table is the
/// outbox: a delivery is marked published only after the broker confirmed its message, in the same transaction that
/// picked it (SKIP LOCKED, so several relays share the work). Scheduled sends, retries and deferrals need nothing else:
/// they become due and the relay publishes them. The backlog in the broker stays under MaxInFlight.
/// </summary>
/// <remarks>
/// It never sleeps past work it knows of: a "due" cluster signal (new, replayed or retried deliveries committed on any
/// node) wakes it through <see cref="Signals.Relay"/>, and otherwise it sleeps until the next known due time (a
/// scheduled send, a retry, a deferral), at most <see cref="PipelineOptions.PollInterval"/>: the fallback for a missed
/// signal and for room freed in a full lane. The wake-up is armed before each round, so a signal that arrives during
/// the round is not lost.
/// </remarks>
internal sealed partial class RelayWorker(
    IWorkRelayStore store,
    IWorkTransport transport,
    PipelineOptionsAccessor options,
    WorkerHealth health,
    Signals signals,
    HeraldMetrics metrics,
    TimeProvider time,
    ILogger<RelayWorker> logger) : BackgroundService
{
    // Store or broker unreachable: nothing was marked published, so nothing is lost; try again soon, then less often.
    private static readonly WorkerBackoff Backoff = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));

    private DateTimeOffset _lastRepublish = DateTimeOffset.MinValue;

    /// <summary>
    /// One loop per priority, as the planner has: an urgent delivery is published by its own round, never after a
    /// campaign's round of hundreds of messages and their confirms (a claim waits for the round that holds its row).
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        health.Started("relay");
        return Task.WhenAll(Enum.GetValues<Priority>().Select(p => Task.Run(() =>
            new WorkerLoop("relay", metrics, time).RunAsync(TimeSpan.Zero, ct => RunRoundAsync(p, ct), () => Backoff,
                (ex, retryIn) => LogRelayFault(logger, ex, p.ToWire(), retryIn.TotalMilliseconds), stoppingToken), stoppingToken)));
    }

    private async Task<NextRound> RunRoundAsync(Priority priority, CancellationToken ct)
    {
        var o = options.Value;
        var woken = signals.Arm(Signals.Relay(priority));
        var now = time.GetUtcNow();
        // Stale messages of every priority are made publishable again by the lowest priority's loop, the least hurried.
        if (priority == Priority.Low && now - _lastRepublish >= o.RepublishAfter / 4)
        {
            var again = await store.RepublishStaleAsync(now - o.RepublishAfter, ct);
            if (again > 0)
            {
                LogRepublished(logger, again);
            }

            _lastRepublish = now;
        }

        var published = await store.RelayDueAsync(now, priority, o.RelayBatch, o.MaxInFlight, PublishAsync, ct);
        if (published >= o.RelayBatch)
        {
            return NextRound.Now;
        }

        var wait = o.PollInterval;
        if (await store.NextUnpublishedDueAsync(now, priority, ct) is { } next && next - time.GetUtcNow() < wait)
        {
            wait = next - time.GetUtcNow() > TimeSpan.Zero ? next - time.GetUtcNow() : TimeSpan.Zero;
        }

        return NextRound.InOrWhenWoken(wait, woken);
    }

    /// <summary>
    /// Publishes one relay batch. A traced delivery gets a producer span (herald.publish) continuing its stored
    /// traceparent; the span's own id travels in the message's traceparent header, so the consumer's span is its child.
    /// </summary>
    private async Task PublishAsync(IReadOnlyList<Delivery> deliveries, CancellationToken ct)
    {
        var spans = new List<Activity>();
        try
        {
            var items = new WorkItem[deliveries.Count];
            for (var i = 0; i < deliveries.Count; i++)
            {
                var d = deliveries[i];
                var span = HeraldTracing.Continue("herald.publish", ActivityKind.Producer, d.TraceParent);
                if (span is not null)
                {
                    span.SetTag("herald.delivery_id", d.Id);
                    span.SetTag("messaging.system", "rabbitmq");
                    spans.Add(span);
                }

                items[i] = ToItem(d, HeraldTracing.TraceParent(span) ?? d.TraceParent);
            }

            await transport.PublishAsync(items, ct);
        }
        finally
        {
            foreach (var span in spans)
            {
                span.Dispose();
            }
        }
    }

    public static WorkItem ToItem(Delivery d, string? traceParent = null)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new WorkItem(d.Id, d.NotificationId, d.RecipientId, d.Channel, d.Priority, d.DueAt, traceParent ?? d.TraceParent);
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "Relay round for {Priority} failed; retrying in {DelayMs} ms")]
    private static partial void LogRelayFault(ILogger logger, Exception ex, string priority, double delayMs);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Warning, Message = "{Count} published deliveries were never claimed; publishing them again")]
    private static partial void LogRepublished(ILogger logger, int count);
}
