using Herald.Core.Domain;
using Herald.Core.Transport;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.Transport.RabbitMq.Internal;

/// <summary>
/// Consumes one partition queue of a lane: one channel, manual acks, messages handled one at a time in arrival order
/// (consumer dispatch concurrency 1). Re-attaches after every reconnect until cancelled.
/// </summary>
/// <remarks>
/// Order with prefetch: when a message is given back (requeue), the broker redelivers it after the messages it has
/// already sent ahead to us. To keep one recipient's order, later messages of that recipient are held (unacked, so
/// their delivery count is untouched) until the given-back message returns and is settled; other recipients go on.
/// To make sure the given-back message does return, the consumer dead-letters it itself on its last allowed delivery
/// instead of letting the broker's delivery limit drop it silently from under the hold.
/// </remarks>
internal sealed partial class PartitionConsumer(
    RabbitMqConnection connection,
    ConfirmedPublisher publisher,
    Topology topology,
    RabbitMqOptions options,
    TimeProvider time,
    ILogger logger,
    Channel lane,
    Priority priority,
    int partition,
    Func<WorkItem, CancellationToken, Task<(WorkSettlement Settlement, string? Reason)>> handler)
{
    private static readonly TimeSpan CancelTimeout = TimeSpan.FromSeconds(5);
    private readonly string _queue = topology.Queue(lane, priority, partition);

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var current = await connection.WaitAsync(ct);
                await ConsumeUntilLostAsync(current, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception) when (connection.Stopped)
            {
                return; // The transport is being disposed: there is nothing left to consume from.
            }
            catch (Exception ex)
            {
                // The connection dropped while attaching, or the channel failed: wait for the next connection.
                LogConsumerFault(logger, ex, _queue);
                await Task.Delay(options.ReconnectMin, time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task ConsumeUntilLostAsync(IConnection current, CancellationToken ct)
    {
        await using var channel = await current.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: 1), ct);
        var lost = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.ChannelShutdownAsync += (_, e) =>
        {
            lost.TrySetResult(e);
            return Task.CompletedTask;
        };
        await channel.BasicQosAsync(0, options.Prefetch, global: false, ct);

        var hold = new RecipientHold();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => OnReceivedAsync(channel, delivery, hold, ct);
        var tag = await channel.BasicConsumeAsync(_queue, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            arguments: null, consumer, ct);
        try
        {
            var shutdown = await lost.Task.WaitAsync(ct);
            LogChannelLost(logger, _queue, shutdown.ReplyText);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stop cleanly: cancel the consumer, then close; whatever is unacked goes back to the queue.
            using var bounded = new CancellationTokenSource(CancelTimeout, time);
            try
            {
                if (channel.IsOpen)
                {
                    await channel.BasicCancelAsync(tag, noWait: false, bounded.Token);
                    await channel.CloseAsync(bounded.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or RabbitMQ.Client.Exceptions.AlreadyClosedException)
            {
                LogCancelIncomplete(logger, ex, _queue);
            }

            throw;
        }
    }

    private async Task OnReceivedAsync(IChannel channel, BasicDeliverEventArgs delivery, RecipientHold hold, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            return; // Stopping: left unacked, it goes back to the queue when the channel closes.
        }

        // The body is only valid during this call; held and dead-lettered messages need their own copy.
        var message = new Received(delivery.DeliveryTag, delivery.Body.ToArray(), delivery.BasicProperties.MessageId,
            delivery.BasicProperties.Headers is { } h ? new Dictionary<string, object?>(h) : null);
        try
        {
            if (!WorkCodec.TryDecode(message.Body, message.Headers, out var item, out var error))
            {
                await DeadLetterAsync(channel, message, error!, ct);
                return;
            }

            if (item!.Channel != lane || item.Priority != priority)
            {
                await DeadLetterAsync(channel, message, $"wrong lane: {Topology.Lane(item.Channel, item.Priority)} in {_queue}", ct);
                return;
            }

            if (hold.IsHeld(item, out var isAwaited) && !isAwaited)
            {
                hold.Add(item, message);
                return;
            }

            if (!await SettleAsync(channel, message, item, ct))
            {
                hold.Await(item);
                return;
            }

            if (isAwaited)
            {
                await ReleaseAsync(channel, item.RecipientId, hold, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping mid-message: left unacked, it goes back to the queue when the channel closes.
        }
        catch (Exception ex)
        {
            // Settling failed (the channel or connection is going down): the broker gives the message back.
            LogConsumerFault(logger, ex, _queue);
        }
    }

    /// <summary>The awaited message of a recipient is settled: handle the messages held behind it, in order.</summary>
    private async Task ReleaseAsync(IChannel channel, string recipientId, RecipientHold hold, CancellationToken ct)
    {
        hold.Release(recipientId);
        while (hold.TakeNext(recipientId) is { } next)
        {
            if (!await SettleAsync(channel, next.Message, next.Item, ct))
            {
                hold.Await(next.Item);
                return;
            }
        }
    }

    /// <summary>Runs the handler and settles the message; false when it was given back to the queue.</summary>
    private async Task<bool> SettleAsync(IChannel channel, Received message, WorkItem item, CancellationToken ct)
    {
        var lastDelivery = WorkCodec.DeliveryCount(message.Headers) >= options.DeliveryLimit;
        (WorkSettlement Settlement, string? Reason) result;
        try
        {
            result = await handler(item, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogHandlerFailed(logger, ex, _queue, item.DeliveryId);
            result = (WorkSettlement.Requeue, $"handler threw {ex.GetType().Name}: {ex.Message}");
        }

        switch (result.Settlement)
        {
            case WorkSettlement.Ack:
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false, ct);
                return true;
            case WorkSettlement.DeadLetter:
                return await DeadLetterAsync(channel, message, result.Reason ?? "dead-lettered by the handler", ct);
            case WorkSettlement.Requeue when lastDelivery:
                var deliveries = WorkCodec.DeliveryCount(message.Headers) + 1;
                return await DeadLetterAsync(channel, message,
                    $"delivery limit reached after {deliveries} deliveries; last: {result.Reason ?? "requeued by the handler"}", ct);
            default:
                await RequeueAsync(channel, message, ct);
                return false;
        }
    }

    private async Task RequeueAsync(IChannel channel, Received message, CancellationToken ct)
    {
        if (options.RequeueDelay > TimeSpan.Zero)
        {
            await Task.Delay(options.RequeueDelay, time, ct);
        }

        await channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true, ct);
    }

    /// <summary>
    /// Republishes the message to the dead-letter exchange with the reason in <c>x-herald-dead-reason</c> (confirmed), then
    /// acks it. A plain reject would dead-letter it too, but the broker keeps only "rejected" as the reason.
    /// </summary>
    private async Task<bool> DeadLetterAsync(IChannel channel, Received message, string reason, CancellationToken ct)
    {
        var headers = message.Headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(message.Headers);
        headers.Remove(WorkCodec.DeliveryCountHeader);
        headers[WorkCodec.DeadReasonHeader] = reason.Length <= 1000 ? reason : reason[..1000];
        headers[WorkCodec.DeadQueueHeader] = _queue;
        headers["x-herald-delivery-count"] = WorkCodec.DeliveryCount(message.Headers) + 1;
        var properties = new BasicProperties { Persistent = true, MessageId = message.MessageId, ContentType = WorkCodec.ContentType, Headers = headers };
        try
        {
            await publisher.PublishAsync([new OutgoingMessage(topology.DeadExchange, _queue, properties, message.Body)], ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Not safely in the dead-letter queue: give it back rather than lose it.
            LogDeadLetterFailed(logger, ex, _queue);
            await RequeueAsync(channel, message, ct);
            return false;
        }

        LogDeadLettered(logger, _queue, message.MessageId, reason);
        await channel.BasicAckAsync(message.DeliveryTag, multiple: false, ct);
        return true;
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Consumer of {Queue} failed; re-attaching")]
    private static partial void LogConsumerFault(ILogger logger, Exception ex, string queue);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Channel of {Queue} closed ({ReplyText}); re-attaching")]
    private static partial void LogChannelLost(ILogger logger, string queue, string replyText);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Handler failed on {Queue} for delivery {DeliveryId}; requeueing")]
    private static partial void LogHandlerFailed(ILogger logger, Exception ex, string queue, string deliveryId);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Dead-lettered message {MessageId} from {Queue}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string queue, string? messageId, string reason);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Could not move a message of {Queue} to the dead-letter queue; requeued it")]
    private static partial void LogDeadLetterFailed(ILogger logger, Exception ex, string queue);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Debug, Message = "Consumer of {Queue} did not cancel cleanly; the channel closes anyway")]
    private static partial void LogCancelIncomplete(ILogger logger, Exception ex, string queue);
}
