using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Dispatch.Distributed;

/// <summary>
/// The worker role in distributed mode: consumes every lane from the work transport, a partition's received messages at
/// a time. A message only names a delivery; the worker claims the whole batch in the store in one transaction (gate
/// included) before sending, sends the claimed deliveries concurrently within the lane's concurrency, completes them in
/// one transaction and acknowledges them together, so a duplicate or stale message is acknowledged and dropped. While
/// the store is unreachable the messages are given back; if that outlasts the broker's delivery limit they are
/// dead-lettered, and the relay publishes the still-unclaimed deliveries again later.
/// </summary>
internal sealed partial class TransportLaneWorker(
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
                await transport.ConsumeAsync(channel, priority, options.Value.ClaimSize(channel), HandleAsync, ct);
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

    /// <summary>Claims the named deliveries and sends them; one result per item settles its message.</summary>
    public async Task<IReadOnlyList<WorkResult>> HandleAsync(IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(items);
        var results = new WorkResult[items.Count];
        var named = new List<WorkItem>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (string.IsNullOrEmpty(items[i].DeliveryId) || string.IsNullOrEmpty(items[i].NotificationId))
            {
                results[i] = new WorkResult(WorkSettlement.DeadLetter, "work item without a delivery id");
            }
            else
            {
                results[i] = WorkResult.Ack;
                named.Add(items[i]);
            }
        }

        if (named.Count == 0)
        {
            return results;
        }

        var now = time.GetUtcNow();
        var lease = now + options.Value.Lease;
        IReadOnlyList<Delivery> claimed;
        try
        {
            claimed = await store.ClaimPublishedAsync([.. named.Select(Ref)], now, lease, _owner, gate, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Most likely the store is unreachable; possibly one poison row. Claimed one by one, a row that fails is given
            // back on its own (and dead-lettered at the delivery limit) while the rest of the batch goes on.
            LogBatchClaimFault(logger, ex, named.Count);
            claimed = await ClaimEachAsync(items, named, results, now, lease, ct);
        }

        if (claimed.Count > 0 && time.GetUtcNow() - now > options.Value.Lease / 4)
        {
            // The claim waited (for a relay still publishing these rows, for a restarting store): its lease was counted
            // from before the wait, so the sweeper may take these deliveries over while we send, and it resends what the
            // provider cannot show it has. Sending now could send twice; left to the sweeper (it asks the provider by our
            // reference first), they are sent once.
            LogLateClaim(logger, claimed.Count, (time.GetUtcNow() - now).TotalMilliseconds);
            claimed = [];
        }

        if (claimed.Count > 0)
        {
            // The message's traceparent (the relay's publish span) parents the send: API → plan → publish → deliver.
            var parents = named.Where(w => w.TraceParent is not null).GroupBy(w => w.DeliveryId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().TraceParent, StringComparer.Ordinal);
            try
            {
                await processor.ProcessAsync([.. claimed.Select(d => parents.TryGetValue(d.Id, out var p) ? d with { TraceParent = p } : d)], _owner, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // The completion did not commit: the claims are recovered by their leases (the sweeper asks the provider).
                // Given back, the messages find nothing left to claim and are acknowledged then.
                LogHandleFault(logger, ex, claimed.Count);
                var claimedIds = claimed.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
                for (var i = 0; i < items.Count; i++)
                {
                    if (claimedIds.Contains(items[i].DeliveryId))
                    {
                        results[i] = new WorkResult(WorkSettlement.Requeue, ex.GetType().Name);
                    }
                }
            }
        }

        return results;
    }

    /// <summary>
    /// Claims the batch's deliveries one by one after the batch claim failed, so one poison row fails alone. When the first
    /// two fail and none succeeded, the store itself is failing: the rest is given back without trying each.
    /// </summary>
    private async Task<IReadOnlyList<Delivery>> ClaimEachAsync(IReadOnlyList<WorkItem> items, List<WorkItem> named, WorkResult[] results,
        DateTimeOffset now, DateTimeOffset lease, CancellationToken ct)
    {
        var claimed = new List<Delivery>();
        var (failures, successes) = (0, 0);
        string? failure = null;
        var outcome = new Dictionary<WorkItem, string>(ReferenceEqualityComparer.Instance);
        foreach (var item in named)
        {
            if (failures >= 2 && successes == 0)
            {
                outcome[item] = $"claim failed: {failure}";
                continue;
            }

            try
            {
                if (await store.ClaimOneAsync(Ref(item), now, lease, _owner, gate, ct) is { } d)
                {
                    claimed.Add(d);
                }

                successes++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                LogClaimFault(logger, ex, item.DeliveryId);
                failures++;
                failure = ex.GetType().Name;
                outcome[item] = $"claim failed: {failure}";
            }
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (outcome.TryGetValue(items[i], out var reason))
            {
                results[i] = new WorkResult(WorkSettlement.Requeue, reason);
            }
        }

        return claimed;
    }

    private static DeliveryRef Ref(WorkItem item) => new(item.NotificationId, item.DeliveryId);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "Consuming {Channel}/{Priority} stopped; resuming")]
    private static partial void LogConsumeFault(ILogger logger, Exception ex, string channel, string priority);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Warning, Message = "Completing {Count} claimed deliveries failed; giving their messages back")]
    private static partial void LogHandleFault(ILogger logger, Exception ex, int count);

    [LoggerMessage(EventId = 2505, Level = LogLevel.Warning, Message = "Claiming {Count} deliveries took {ElapsedMs} ms, too much of their lease to send them safely; the sweeper takes them over")]
    private static partial void LogLateClaim(ILogger logger, int count, double elapsedMs);

    [LoggerMessage(EventId = 2503, Level = LogLevel.Warning, Message = "Claiming a batch of {Count} failed; claiming one by one")]
    private static partial void LogBatchClaimFault(ILogger logger, Exception ex, int count);

    [LoggerMessage(EventId = 2504, Level = LogLevel.Warning, Message = "Claiming delivery {DeliveryId} failed; giving its message back")]
    private static partial void LogClaimFault(ILogger logger, Exception ex, string deliveryId);
}
