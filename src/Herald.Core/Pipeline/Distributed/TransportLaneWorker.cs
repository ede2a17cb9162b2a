using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Pipeline.Distributed;

/// <summary>
/// The worker role in distributed mode: consumes every lane from the work transport. A message only names a delivery;
/// the worker claims it in the store (gate included) before sending, so a duplicate or stale message is acknowledged
/// and dropped. While the store is unreachable the message is given back; if that outlasts the broker's delivery
/// limit it is dead-lettered, and the relay publishes the still-unclaimed delivery again later.
/// </summary>
public sealed partial class TransportLaneWorker(
    IWorkTransport transport,
    IWorkRelayStore store,
    IDispatchGate gate,
    DeliveryProcessor processor,
    PipelineOptionsAccessor options,
    WorkerHealth health,
    TimeProvider time,
    ILogger<TransportLaneWorker> logger) : BackgroundService
{
    private readonly string _owner = "consumer-" + Guid.NewGuid().ToString("N")[..12];

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var (channel, priority) in ChannelNames.Lanes)
        {
            loops.Add(Task.Run(() => ConsumeLaneAsync(channel, priority, stoppingToken), stoppingToken));
        }

        health.Started("lanes");
        return Task.WhenAll(loops);
    }

    private async Task ConsumeLaneAsync(Channel channel, Priority priority, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(500);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await transport.ConsumeAsync(channel, priority, HandleAsync, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogConsumeFault(logger, ex, channel.ToWire(), priority.ToWire());
                await Task.Delay(backoff, time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    /// <summary>Claims the named delivery and sends it; the answer settles the message.</summary>
    public async Task<(WorkSettlement Settlement, string? Reason)> HandleAsync(WorkItem item, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (string.IsNullOrEmpty(item.DeliveryId))
        {
            return (WorkSettlement.DeadLetter, "work item without a delivery id");
        }

        try
        {
            var now = time.GetUtcNow();
            var claimed = await store.ClaimOneAsync(item.DeliveryId, now, now + options.Value.Lease, _owner, gate, ct);
            if (claimed is not null)
            {
                // The message's traceparent (the relay's publish span) parents the send: API → plan → publish → deliver.
                await processor.ProcessAsync([item.TraceParent is null ? claimed : claimed with { TraceParent = item.TraceParent }], _owner, ct);
            }

            return (WorkSettlement.Ack, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Most likely the store is unreachable. A claim that did commit is recovered by its lease; the transport gives
            // the message back after its requeue delay, so an outage does not spin through the delivery limit.
            LogHandleFault(logger, ex, item.DeliveryId);
            return (WorkSettlement.Requeue, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "Consuming {Channel}/{Priority} stopped; resuming")]
    private static partial void LogConsumeFault(ILogger logger, Exception ex, string channel, string priority);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Warning, Message = "Work item for {DeliveryId} failed; giving it back")]
    private static partial void LogHandleFault(ILogger logger, Exception ex, string deliveryId);
}
