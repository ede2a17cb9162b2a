using Herald.Core.Domain;
using Herald.Core.Transport;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.Transport.RabbitMq.Internal;

/// <summary>
/// Consumes one partition queue of a lane: one channel, manual acks. The broker's deliveries only fill a buffer; one loop
/// takes what has arrived as a batch (at most one message per recipient, see <see cref="PartitionBuffer"/>), hands it to
/// the handler and settles every message of it on its own. Re-attaches after every reconnect until cancelled.
/// </summary>
/// <remarks>
/// Order with prefetch: when a message is given back (requeue), the broker redelivers it after the messages it has
/// already sent ahead to us, so the buffer holds that recipient's later messages until it returns and is settled. To make
/// sure the given-back message does return, the consumer dead-letters it itself on its last allowed delivery instead of
/// letting the broker's delivery limit drop it silently from under the hold.
/// </remarks>
internal sealed partial class PartitionConsumer(
    RabbitMqConnection connection,
    ConfirmedPublisher publisher,
    Topology topology,
    RabbitMqOptions options,
    PartitionOwnership ownership,
    TimeProvider time,
    ILogger logger,
    Channel lane,
    Priority priority,
    int partition,
    int maxBatch,
    Func<IReadOnlyList<WorkItem>, CancellationToken, Task<IReadOnlyList<WorkResult>>> handler)
{
    private static readonly TimeSpan CancelTimeout = TimeSpan.FromSeconds(5);
    /// <summary>A consumer yields a partition it does not own at most this often, so a stale node list cannot make it flap.</summary>
    private static readonly TimeSpan YieldEvery = TimeSpan.FromSeconds(10);

    private readonly string _queue = topology.Queue(lane, priority, partition);
    private DateTimeOffset _lastYield = DateTimeOffset.MinValue;

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
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var shutdown = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.ChannelShutdownAsync += (_, e) =>
        {
            shutdown.TrySetResult(e);
            return Task.CompletedTask;
        };
        await channel.BasicQosAsync(0, options.Prefetch, global: false, ct);

        // The body is only valid during the callback: the buffer keeps a copy. Only the processing loop touches the channel.
        var inbox = System.Threading.Channels.Channel.CreateUnbounded<Received>(new() { SingleReader = true, SingleWriter = true });
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            inbox.Writer.TryWrite(new Received(delivery.DeliveryTag, delivery.Body.ToArray(), delivery.BasicProperties.MessageId,
                delivery.BasicProperties.Headers is { } h ? new Dictionary<string, object?>(h) : null));
            return Task.CompletedTask;
        };
        var processing = ProcessAsync(channel, inbox.Reader, lost.Token, ct);
        _ = await channel.BasicConsumeAsync(_queue, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            arguments: null, consumer, ct);
        try
        {
            var closed = await Task.WhenAny(shutdown.Task, processing).WaitAsync(ct);
            if (closed == processing && await processing)
            {
                // Yield: the batch in hand is settled. Closing the channel (no basic.cancel first, which would let the broker
                // activate the next standby while our buffered messages are still out) gives back what waits in the
                // buffer, in order, before the next consumer gets anything. RunAsync subscribes again, at the back.
                LogYielded(logger, _queue);
                await channel.CloseAsync(ct);
                return;
            }

            LogChannelLost(logger, _queue, (await shutdown.Task).ReplyText);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stop cleanly: close the channel; whatever is unacked goes back to the queue, in order, before a standby of
            // another node is activated (a basic.cancel first would activate it while our buffered messages are still out).
            using var bounded = new CancellationTokenSource(CancelTimeout, time);
            try
            {
                if (channel.IsOpen)
                {
                    await channel.CloseAsync(bounded.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or RabbitMQ.Client.Exceptions.AlreadyClosedException)
            {
                LogCancelIncomplete(logger, ex, _queue);
            }

            throw;
        }
        finally
        {
            await lost.CancelAsync();
            await processing.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Takes what has arrived, hands it to the handler as one batch, settles each message, and goes on while anything in
    /// the buffer can go; waits for the broker otherwise.
    /// </summary>
    /// <remarks>
    /// <paramref name="lost"/> ends the wait for messages when the channel is lost; a batch already in the handler runs on
    /// with <paramref name="ct"/>, so a channel loss never cuts a send short: its acks then fail, the broker redelivers the
    /// messages, and the store finds nothing left to claim for them.
    /// </remarks>
    /// <returns>True when the consumer yields the partition to the live node that owns it (<see cref="PartitionOwnership"/>).</returns>
    private async Task<bool> ProcessAsync(IChannel channel, System.Threading.Channels.ChannelReader<Received> inbox, CancellationToken lost, CancellationToken ct)
    {
        var buffer = new PartitionBuffer();
        try
        {
            while (true)
            {
                while (inbox.TryRead(out var message))
                {
                    await AcceptAsync(channel, buffer, message, ct);
                }

                var batch = buffer.TakeBatch(maxBatch);
                if (batch.Count == 0)
                {
                    // Nothing can go (empty, or every message waits behind a given-back one): wait for the broker.
                    await inbox.WaitToReadAsync(lost);
                    continue;
                }

                await HandleAsync(channel, buffer, batch, ct);
                if (!ownership.Owns(lane, priority, partition, topology.Partitions) && time.GetUtcNow() - _lastYield >= YieldEvery)
                {
                    _lastYield = time.GetUtcNow();
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            // Stopping or the channel was lost: whatever is unacked goes back to the queue when the channel closes.
            return false;
        }
    }

    /// <summary>Decodes a received message into the buffer; one that can never be handled is dead-lettered at once.</summary>
    private async Task AcceptAsync(IChannel channel, PartitionBuffer buffer, Received message, CancellationToken ct)
    {
        string? reason = null;
        if (!WorkCodec.TryDecode(message.Body, message.Headers, out var item, out var error))
        {
            reason = error!;
        }
        else if (item!.Channel != lane || item.Priority != priority)
        {
            reason = $"wrong lane: {Topology.Lane(item.Channel, item.Priority)} in {_queue}";
        }
        else
        {
            buffer.Add(item, message);
            return;
        }

        if (!await DeadLetterAsync(channel, message, reason, ct))
        {
            await channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true, ct);
        }
    }

    /// <summary>
    /// Runs the handler on a batch and settles each message on its own: dead-letters at once, acks together at the end
    /// (one cumulative ack where nothing unsettled lies below), the given-back ones after one pause.
    /// </summary>
    private async Task HandleAsync(IChannel channel, PartitionBuffer buffer, List<(WorkItem Item, Received Message)> batch, CancellationToken ct)
    {
        IReadOnlyList<WorkResult> results;
        try
        {
            results = await handler([.. batch.Select(b => b.Item)], ct);
            if (results.Count != batch.Count)
            {
                throw new InvalidOperationException($"the handler answered {results.Count} results for {batch.Count} items");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogHandlerFailed(logger, ex, _queue, batch.Count);
            var failed = new WorkResult(WorkSettlement.Requeue, $"handler threw {ex.GetType().Name}: {ex.Message}");
            results = [.. batch.Select(_ => failed)];
        }

        var givenBack = new List<(WorkItem Item, Received Message)>();
        var acked = new List<ulong>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var (item, message) = batch[i];
            var result = results[i];
            var lastDelivery = WorkCodec.DeliveryCount(message.Headers) >= options.DeliveryLimit;
            var settled = result.Settlement switch
            {
                WorkSettlement.Ack => Ack(acked, message),
                WorkSettlement.DeadLetter => await DeadLetterAsync(channel, message, result.Reason ?? "dead-lettered by the handler", ct),
                _ when lastDelivery => await DeadLetterAsync(channel, message,
                    $"delivery limit reached after {WorkCodec.DeliveryCount(message.Headers) + 1} deliveries; last: {result.Reason ?? "requeued by the handler"}", ct),
                _ => false,
            };
            if (settled)
            {
                buffer.Settled(item);
            }
            else
            {
                givenBack.Add((item, message));
            }
        }

        // The acks together: one frame with `multiple` for every tag below the lowest still unsettled.
        var floor = givenBack.Aggregate(buffer.LowestTag(), (lowest, g) => Math.Min(lowest, g.Message.DeliveryTag));
        var (upTo, singles) = PartitionBuffer.AckPlan(acked, floor);
        if (upTo is { } last)
        {
            await channel.BasicAckAsync(last, multiple: true, ct);
        }

        foreach (var tag in singles)
        {
            await channel.BasicAckAsync(tag, multiple: false, ct);
        }

        if (givenBack.Count > 0)
        {
            // One pause for the whole batch, so an outage of the store does not burn the delivery limit in a tight loop.
            if (options.RequeueDelay > TimeSpan.Zero)
            {
                await Task.Delay(options.RequeueDelay, time, ct);
            }

            foreach (var (item, message) in givenBack)
            {
                await channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true, ct);
                buffer.GivenBack(item);
            }
        }
    }

    /// <summary>Acked once the batch is settled (see <see cref="PartitionBuffer.AckPlan"/>).</summary>
    private static bool Ack(List<ulong> acked, Received message)
    {
        acked.Add(message.DeliveryTag);
        return true;
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
            // Not safely in the dead-letter queue: given back (by the caller) rather than lost.
            LogDeadLetterFailed(logger, ex, _queue);
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

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Handler failed on {Queue} for a batch of {Count}; requeueing it")]
    private static partial void LogHandlerFailed(ILogger logger, Exception ex, string queue, int count);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Dead-lettered message {MessageId} from {Queue}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string queue, string? messageId, string reason);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Could not move a message of {Queue} to the dead-letter queue; requeued it")]
    private static partial void LogDeadLetterFailed(ILogger logger, Exception ex, string queue);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Information, Message = "Yielded {Queue} to the worker that owns it")]
    private static partial void LogYielded(ILogger logger, string queue);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Debug, Message = "Channel of {Queue} did not close cleanly at stop; the connection closes it")]
    private static partial void LogCancelIncomplete(ILogger logger, Exception ex, string queue);
}
