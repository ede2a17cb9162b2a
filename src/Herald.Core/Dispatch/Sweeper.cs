using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Settlement;
using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Herald.Core.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Core.Dispatch;

/// <summary>
/// Recovers what a crashed or stuck worker left: plans whose lease expired go back to the queue; deliveries left in
/// sending are reconciled: the provider is asked by our reference before anything is resent.
/// </summary>
internal sealed partial class Sweeper(
    IPlanStore plans,
    IDispatchStore store,
    IIngestStore ingest,
    IWebhookEndpointStore endpoints,
    ITrackingStore tracking,
    IOptions<WebhookOptions> webhooks,
    DeliveryProcessor processor,
    Settler settlement,
    Signals signals,
    PipelineOptionsAccessor options,
    WorkerHealth health,
    HeraldMetrics metrics,
    TimeProvider time,
    ILogger<Sweeper> logger) : PollingWorker("sweeper", metrics, time)
{
    private readonly string _owner = "sweeper-" + Guid.NewGuid().ToString("N")[..12];

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        health.Started("sweeper");
        return base.ExecuteAsync(stoppingToken);
    }

    protected override WorkerBackoff Backoff => WorkerBackoff.Constant(options.Value.SweepInterval);

    protected override async Task<NextRound> RunRoundAsync(CancellationToken ct)
    {
        await SweepOnceAsync(ct);
        return NextRound.In(options.Value.SweepInterval);
    }

    protected override void LogRoundFailed(Exception exception, TimeSpan retryIn) => LogSweepFault(logger, exception, retryIn.TotalMilliseconds);

    public async Task SweepOnceAsync(CancellationToken ct)
    {
        var now = Time.GetUtcNow();
        if (await plans.ReleaseExpiredPlanningAsync(now, ct) > 0)
        {
            foreach (var p in new[] { Priority.Urgent, Priority.Normal, Priority.Low })
            {
                signals.Notify(Signals.Planner(p));
            }
        }

        await ingest.PurgeIdempotencyAsync(now - options.Value.IdempotencyRetention, ct);
        await tracking.PurgeCallbackReceiptsAsync(now, ct);
        // Held webhook deliveries: expired past the hold time, and released when a lane held one just as its endpoint was enabled.
        if (await endpoints.ReleaseHeldAsync(null, now - webhooks.Value.HoldFor, now, ct) > 0)
        {
            foreach (var p in new[] { Priority.Urgent, Priority.Normal, Priority.Low })
            {
                signals.Notify(Signals.Lane(Channel.Webhook, p));
            }
        }

        while (true)
        {
            var stale = await store.ClaimExpiredSendingAsync(Time.GetUtcNow(), Time.GetUtcNow() + options.Value.Lease, _owner, 64, ct);
            if (stale.Count == 0)
            {
                return;
            }

            var settled = new List<Delivery>(stale.Count);
            var completions = new List<DeliveryCompletion>(stale.Count);
            foreach (var d in stale)
            {
                if (await ReconcileAsync(d, ct) is { } completion)
                {
                    settled.Add(d);
                    completions.Add(completion);
                }
            }

            await processor.CommitAsync(settled, completions, ct);
        }
    }

    /// <summary>The completion that settles a delivery left in sending, or null when it was given back to be asked about later.</summary>
    private async Task<DeliveryCompletion?> ReconcileAsync(Delivery d, CancellationToken ct)
    {
        var wire = d.Channel.ToWire();
        LookUpAnswer answer;
        if (d.TrackedStatus is { } reported)
        {
            // The provider already reported on this message (a status callback arrived while the send was unsettled): it
            // has it, whatever a look-up would say now, and whether or not it can be asked at all.
            answer = LookUpAnswer.Found;
            LogSettledByReport(logger, d.Id, reported);
        }
        else
        {
            try
            {
                answer = await processor.SenderFor(d.Channel).LookUpAsync(d, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogLookUpFault(logger, ex, wire);
                answer = LookUpAnswer.Unanswered;
            }
        }

        var now = Time.GetUtcNow();
        var o = options.Value;
        if (answer == LookUpAnswer.Unanswered && d.LookUps < o.MaxLookUps)
        {
            // Resending now could duplicate what the provider holds, and dead-lettering could drop what it never got: the
            // provider can be asked, so it is asked again later and the delivery waits (never sent meanwhile).
            var delay = TimeSpan.FromTicks(Math.Min(o.LookUpRetryDelay.Ticks * (1L << Math.Clamp(d.LookUps - 1, 0, 16)), MaxLookUpDelay.Ticks));
            var until = now + delay;
            await store.PostponeLookUpAsync(d, _owner, until, new TraceEntry(d.NotificationId, now, "reconcile", wire, "lookup-unanswered",
                $"send lease expired; the provider did not answer look-up {d.LookUps} of {o.MaxLookUps}; asking again at {until.UtcDateTime:HH:mm:ss}Z, not resent meanwhile"), ct);
            return null;
        }

        string status, decision, reason;
        DateTimeOffset? due = null;
        switch (answer)
        {
            case LookUpAnswer.Found:
                (status, decision, reason) = (DeliveryStatus.Sent, "reconciled", d.TrackedStatus is { } s
                    ? $"send lease expired; the provider already reported the message {s}, so it counts as sent and is not resent"
                    : "send lease expired; the provider has the message, so it counts as sent and is not resent");
                break;
            case LookUpAnswer.NotFound:
                (status, decision, reason, due) = (DeliveryStatus.Retrying, "reconciled", "send lease expired; the provider never got the message; resending", now);
                break;
            default:
                (status, due, reason) = answer == LookUpAnswer.Unanswered
                    ? settlement.UnknownAfterUnansweredLookUps(d, now)
                    : settlement.UnknownAfterLease(d, now);
                decision = status == DeliveryStatus.Dead ? "dead-unknown" : "resend-unknown";
                break;
        }

        var trace = new TraceEntry(d.NotificationId, now, "reconcile", wire, decision, reason);
        return new DeliveryCompletion(d.Id, d.NotificationId, _owner, status, due, null,
            answer == LookUpAnswer.Found ? null : "outcome unknown after lease expiry", "reconcile", null, now, now, [trace]);
    }

    private static readonly TimeSpan MaxLookUpDelay = TimeSpan.FromMinutes(2);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Error, Message = "Sweep failed; trying again in {DelayMs} ms")]
    private static partial void LogSweepFault(ILogger logger, Exception ex, double delayMs);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "Look-up at the {Channel} provider failed; asking again later")]
    private static partial void LogLookUpFault(ILogger logger, Exception ex, string channel);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Information, Message = "Delivery {DeliveryId} settled without a look-up: its provider already reported it {Status}")]
    private static partial void LogSettledByReport(ILogger logger, string deliveryId, string status);
}
