using System.Diagnostics;
using Herald.Core.Channels;
using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Settlement;
using Herald.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Herald.Core.Dispatch;

/// <summary>Dispatch and track for claimed deliveries: call the channel's sender, settle the outcome, commit in one batch.</summary>
internal sealed partial class DeliveryProcessor(
    IEnumerable<IChannelSender> senders,
    Settler settlement,
    IDispatchStore store,
    Fallbacks fallbacks,
    Lifecycle.LifecycleEmitter lifecycle,
    Signals signals,
    PipelineOptionsAccessor options,
    TimeProvider time,
    HeraldMetrics metrics,
    ILogger<DeliveryProcessor> logger)
{
    // The last registration per channel wins: the core registers the capture provider, a provider router replaces it.
    private readonly Dictionary<Channel, IChannelSender> _senders = senders.GroupBy(s => s.Channel).ToDictionary(g => g.Key, g => g.Last());

    public IChannelSender SenderFor(Channel channel) => _senders[channel];

    /// <summary>
    /// Sends <paramref name="claimed"/> (at most <see cref="PipelineOptions.LaneConcurrency"/> at a time), settles each
    /// outcome and commits them together; <paramref name="onSent"/> is told as each send finishes, before the commit.
    /// </summary>
    public async Task ProcessAsync(IReadOnlyList<Delivery> claimed, string owner, CancellationToken ct, Action? onSent = null)
    {
        var completions = new DeliveryCompletion[claimed.Count];
        var send = await PrepareAsync(claimed, ct);
        await Parallel.ForEachAsync(Enumerable.Range(0, claimed.Count), new ParallelOptions { MaxDegreeOfParallelism = options.Value.LaneConcurrency, CancellationToken = ct },
            async (i, token) =>
            {
                completions[i] = await SendOneAsync(claimed[i], send[claimed[i].Channel], owner, token);
                onSent?.Invoke();
            });
        await CommitAsync(claimed, completions, ct);
    }

    /// <summary>
    /// Each channel's sends of the batch readied together (<see cref="IChannelSender.PrepareAsync"/>). A sender that fails
    /// to ready them sends each delivery on its own instead: the batch is not held up by it.
    /// </summary>
    private async Task<Dictionary<Channel, Func<Delivery, CancellationToken, Task<SendResult>>>> PrepareAsync(IReadOnlyList<Delivery> claimed, CancellationToken ct)
    {
        var send = new Dictionary<Channel, Func<Delivery, CancellationToken, Task<SendResult>>>();
        foreach (var channel in claimed.GroupBy(d => d.Channel))
        {
            var sender = _senders[channel.Key];
            try
            {
                send[channel.Key] = await sender.PrepareAsync([.. channel], ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPrepareFault(logger, ex, channel.Key.ToWire());
                send[channel.Key] = sender.SendAsync;
            }
        }

        return send;
    }

    private async Task<DeliveryCompletion> SendOneAsync(Delivery d, Func<Delivery, CancellationToken, Task<SendResult>> send, string owner, CancellationToken token)
    {
        using var activity = HeraldTracing.Continue("herald.deliver", ActivityKind.Consumer, d.TraceParent);
        activity?.SetTag("herald.delivery_id", d.Id);
        activity?.SetTag("herald.channel", d.Channel.ToWire());
        activity?.SetTag("herald.priority", d.Priority.ToWire());
        var started = time.GetUtcNow();
        SendResult result;
        try
        {
            result = await send(d, token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A sender bug must not strand the delivery: it is treated as a transient failure and retried.
            LogSenderFault(logger, ex, d.Channel.ToWire());
            result = new SendResult(new DeliveryOutcome.Retry($"sender fault: {ex.GetType().Name}"), "internal");
        }

        var completion = settlement.Settle(d, owner, result, started);
        activity?.SetTag("herald.provider", result.Provider);
        activity?.SetTag("herald.outcome", completion.Outcome);
        activity?.SetTag("herald.status", completion.Status);
        if (completion.Status is DeliveryStatus.Dead or DeliveryStatus.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, completion.LastError);
        }

        return completion;
    }

    /// <summary>
    /// Commits completions with the channel fallbacks they may need (added by the store in the same transaction, see
    /// <see cref="Fallbacks"/>), and wakes feed readers and the lanes of retries and fallbacks.
    /// </summary>
    public async Task CommitAsync(IReadOnlyList<Delivery> deliveries, IReadOnlyList<DeliveryCompletion> completions, CancellationToken ct)
    {
        completions = await fallbacks.AttachAsync(deliveries, completions, ct);
        completions = await lifecycle.AttachAsync(deliveries, completions, ct);
        var applied = await store.CompleteAsync(completions, time.GetUtcNow(), ct);
        lifecycle.Completed(completions, applied);
        var now = time.GetUtcNow();
        for (var i = 0; i < completions.Count; i++)
        {
            if (applied.RefusalOf(i) is { } reason)
            {
                LogCompletionUnstorable(logger, completions[i].DeliveryId, reason);
            }

            if (!applied[i])
            {
                continue;
            }

            var c = completions[i];
            Count(deliveries[i], c, now);
            if (c.FeedItem is { } feed)
            {
                signals.Notify(Signals.Feed(feed.EnvironmentId, feed.UserId));
            }

            if (c.Status == DeliveryStatus.Retrying)
            {
                signals.Notify(Signals.Lane(deliveries[i].Channel, deliveries[i].Priority));
            }

            if (c.Fallback is { Deliveries.Count: > 0 } fallback)
            {
                // Maybe not added (its condition failed in the store); a lane woken for nothing just looks and sleeps.
                signals.Notify(Signals.Lane(fallback.To, deliveries[i].Priority));
            }
        }
    }

    private void Count(Delivery d, DeliveryCompletion c, DateTimeOffset now)
    {
        metrics.Delivery(d.Channel, c.Provider ?? "none", OutcomeKind.MetricLabel(c.Outcome), d.EnvironmentId);
        if (c.Status == DeliveryStatus.Sent && Ids.TimeOf(d.NotificationId) is { } accepted)
        {
            metrics.Delivered(d.Channel, d.Priority, now - accepted);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Sender for {Channel} threw; the delivery will be retried")]
    private static partial void LogSenderFault(ILogger logger, Exception ex, string channel);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "The outcome of delivery {DeliveryId} could not be stored ({Reason}); it failed alone")]
    private static partial void LogCompletionUnstorable(ILogger logger, string deliveryId, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Sender for {Channel} could not ready a batch; each delivery is sent on its own")]
    private static partial void LogPrepareFault(ILogger logger, Exception ex, string channel);
}
