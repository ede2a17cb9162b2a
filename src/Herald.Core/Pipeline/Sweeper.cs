using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Core.Pipeline;

/// <summary>
/// Recovers what a crashed or stuck worker left: plans whose lease expired go back to the queue; deliveries left in
/// sending are reconciled: the provider is asked by our reference before anything is resent.
/// </summary>
public sealed partial class Sweeper(
    IPlanStore plans,
    IDispatchStore store,
    IIngestStore ingest,
    IWebhookEndpointStore endpoints,
    IOptions<WebhookOptions> webhooks,
    DeliveryProcessor processor,
    Settlement settlement,
    Signals signals,
    PipelineOptionsAccessor options,
    WorkerHealth health,
    TimeProvider time,
    ILogger<Sweeper> logger) : BackgroundService
{
    private readonly string _owner = "sweeper-" + Guid.NewGuid().ToString("N")[..12];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        health.Started("sweeper");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepOnceAsync(stoppingToken);
                await Task.Delay(options.Value.SweepInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogSweepFault(logger, ex);
                await Task.Delay(options.Value.SweepInterval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    public async Task SweepOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await plans.ReleaseExpiredPlanningAsync(now, ct) > 0)
        {
            foreach (var p in new[] { Priority.Urgent, Priority.Normal, Priority.Low })
            {
                signals.Notify(Signals.Planner(p));
            }
        }

        await ingest.PurgeIdempotencyAsync(now - options.Value.IdempotencyRetention, ct);
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
            var stale = await store.ClaimExpiredSendingAsync(time.GetUtcNow(), time.GetUtcNow() + options.Value.Lease, _owner, 64, ct);
            if (stale.Count == 0)
            {
                return;
            }

            var completions = new List<DeliveryCompletion>(stale.Count);
            foreach (var d in stale)
            {
                completions.Add(await ReconcileAsync(d, ct));
            }

            await processor.CommitAsync(stale, completions, ct);
        }
    }

    private async Task<DeliveryCompletion> ReconcileAsync(Delivery d, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var sender = processor.SenderFor(d.Channel);
        bool? found;
        try
        {
            found = await sender.LookUpAsync(d, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLookUpFault(logger, ex, d.Channel.ToWire());
            found = null;
        }

        var wire = d.Channel.ToWire();
        string status, decision, reason;
        DateTimeOffset? due = null;
        switch (found)
        {
            case true:
                (status, decision, reason) = (DeliveryStatus.Sent, "reconciled", "send lease expired; the provider has the message, so it counts as sent and is not resent");
                break;
            case false:
                (status, decision, reason, due) = (DeliveryStatus.Retrying, "reconciled", "send lease expired; the provider never got the message; resending", now);
                break;
            default:
                (status, due, reason) = settlement.UnknownAfterLease(d, now);
                decision = status == DeliveryStatus.Dead ? "dead-unknown" : "resend-unknown";
                break;
        }

        var trace = new TraceEntry(d.NotificationId, now, "reconcile", wire, decision, reason);
        return new DeliveryCompletion(d.Id, d.NotificationId, _owner, status, due, null,
            found == true ? null : "outcome unknown after lease expiry", "reconcile", null, now, now, [trace]);
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Error, Message = "Sweep failed; trying again at the next interval")]
    private static partial void LogSweepFault(ILogger logger, Exception ex);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "Look-up at the {Channel} provider failed; treating the outcome as unknown")]
    private static partial void LogLookUpFault(ILogger logger, Exception ex, string channel);
}
