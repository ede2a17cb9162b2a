using System.Collections.Concurrent;
using System.Diagnostics;
using Herald.Core.Domain;
using Herald.Core.Transport;
using Herald.Transport.RabbitMq.Internal;
using Xunit.Abstractions;

namespace Herald.Transport.RabbitMq.Tests;

public sealed class PublishConsumeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PublishAsync_ThenConsumeAsync_DeliversTheItemWithItsTraceParent()
    {
        await using var scope = await TransportScope.StartAsync();
        var item = TransportScope.Item("alice", 1, Channel.InApp, Priority.Normal, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        var received = new TaskCompletionSource<WorkItem>(TaskCreationOptions.RunContinuationsAsynchronously);

        await scope.Transport.PublishAsync([item], CancellationToken.None);
        await using (scope.Consume(Channel.InApp, Priority.Normal, (w, _) =>
        {
            received.TrySetResult(w);
            return Task.FromResult((WorkSettlement.Ack, (string?)null));
        }))
        {
            (await received.Task.WaitAsync(Wait)).ShouldBe(item);
        }

        await using var connection = await TestBroker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = scope.Topology.Queue(Channel.InApp, Priority.Normal, Topology.Partition("alice", scope.Options.Partitions));
        (await channel.QueueDeclarePassiveAsync(queue)).MessageCount.ShouldBe(0u, "acked, so removed");
    }

    [Fact]
    public async Task PublishAsync_Message_IsPersistentWithDeliveryIdAndTraceparentHeaders()
    {
        await using var scope = await TransportScope.StartAsync();
        var item = TransportScope.Item("bob", 7, Channel.Email, Priority.Low, "00-11111111111111111111111111111111-2222222222222222-01");

        await scope.Transport.PublishAsync([item], CancellationToken.None);

        // basic.get is refused on single-active-consumer quorum queues, so look with a plain consumer.
        var message = await TestBroker.ReceiveOneAsync(scope.Topology.Queue(Channel.Email, Priority.Low, Topology.Partition("bob", scope.Options.Partitions)));
        message.BasicProperties.Persistent.ShouldBeTrue();
        message.BasicProperties.MessageId.ShouldBe(item.DeliveryId);
        message.Header(WorkCodec.DeliveryIdHeader).ShouldBe(item.DeliveryId);
        message.Header(WorkCodec.TraceParentHeader).ShouldBe(item.TraceParent);
        message.RoutingKey.ShouldBe($"email.low.{Topology.Partition("bob", scope.Options.Partitions)}");
        System.Text.Encoding.UTF8.GetString(message.Body).ShouldContain("\"recipient_id\":\"bob\"");
    }

    [Fact]
    public async Task ConsumeAsync_TwentyRecipientsInterleavedWithRequeues_KeepsEachRecipientsOrder()
    {
        await using var scope = await TransportScope.StartAsync(o => o.Partitions = 4);
        var items = Enumerable.Range(0, 500).Select(i => TransportScope.Item($"r{i % 20}", i)).ToList();
        var done = new ConcurrentDictionary<string, ConcurrentQueue<int>>();
        var requeued = new ConcurrentDictionary<string, bool>();
        var acked = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = new ConcurrentDictionary<int, int>();
        var overlap = false;

        // Publish in order (batches one after another), then consume with a handler that is sometimes slow and gives back
        // every 9th item once: a recipient's later items must still be handled after it.
        foreach (var batch in items.Chunk(50))
        {
            await scope.Transport.PublishAsync(batch, CancellationToken.None);
        }

        await using (scope.Consume(Channel.Sms, Priority.Urgent, async (w, ct) =>
        {
            var partition = Topology.Partition(w.RecipientId, 4);
            if (inFlight.AddOrUpdate(partition, 1, (_, n) => n + 1) > 1)
            {
                overlap = true;
            }

            try
            {
                var sequence = int.Parse(w.NotificationId[2..]);
                if (sequence % 13 == 0)
                {
                    await Task.Delay(5, ct);
                }

                if (sequence % 9 == 0 && requeued.TryAdd(w.DeliveryId, true))
                {
                    return (WorkSettlement.Requeue, "store unreachable");
                }

                done.GetOrAdd(w.RecipientId, _ => new ConcurrentQueue<int>()).Enqueue(sequence);
                if (Interlocked.Increment(ref acked) == items.Count)
                {
                    all.TrySetResult();
                }

                return (WorkSettlement.Ack, null);
            }
            finally
            {
                inFlight.AddOrUpdate(partition, 0, (_, n) => n - 1);
            }
        }))
        {
            await all.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        overlap.ShouldBeFalse("one partition handles one message at a time");
        done.Count.ShouldBe(20);
        foreach (var (recipient, sequences) in done)
        {
            var expected = items.Where(i => i.RecipientId == recipient).Select(i => int.Parse(i.NotificationId[2..])).ToList();
            sequences.ToList().ShouldBe(expected, $"order of {recipient}");
        }
    }

    [Fact]
    public async Task ConsumeAsync_BatchHandler_DistinctRecipientsPerBatchAndEachResultSettlesItsOwnMessage()
    {
        await using var scope = await TransportScope.StartAsync(o => o.Partitions = 1);
        var items = Enumerable.Range(0, 60).Select(i => TransportScope.Item($"r{i % 20}", i)).ToList();
        await scope.Transport.PublishAsync(items, CancellationToken.None);
        var batches = new ConcurrentQueue<IReadOnlyList<WorkItem>>();
        var done = new ConcurrentDictionary<string, ConcurrentQueue<int>>();
        var requeued = 0;
        var acked = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        List<RabbitMQ.Client.BasicGetResult> dead;
        await using (scope.ConsumeBatches(Channel.Sms, Priority.Urgent, (batch, _) =>
        {
            batches.Enqueue(batch);
            var results = new List<WorkResult>();
            foreach (var w in batch)
            {
                var sequence = int.Parse(w.NotificationId[2..]);
                if (sequence == 5)
                {
                    results.Add(new WorkResult(WorkSettlement.DeadLetter, "poison item"));
                    continue;
                }

                if (sequence == 7 && Interlocked.Increment(ref requeued) == 1)
                {
                    results.Add(new WorkResult(WorkSettlement.Requeue, "store unreachable"));
                    continue;
                }

                done.GetOrAdd(w.RecipientId, _ => new ConcurrentQueue<int>()).Enqueue(sequence);
                if (Interlocked.Increment(ref acked) == items.Count - 1)
                {
                    all.TrySetResult();
                }

                results.Add(WorkResult.Ack);
            }

            return Task.FromResult<IReadOnlyList<WorkResult>>(results);
        }, maxBatch: 8))
        {
            await all.Task.WaitAsync(Wait);
            dead = await scope.DeadLettersAsync(1, Wait);
        }

        batches.ShouldAllBe(b => b.Count <= 8 && b.Select(w => w.RecipientId).Distinct().Count() == b.Count);
        batches.ShouldContain(b => b.Count > 1, "what has arrived is handed over together");
        dead.ShouldHaveSingleItem().Header(WorkCodec.DeadReasonHeader).ShouldBe("poison item");
        foreach (var (recipient, sequences) in done)
        {
            var expected = items.Where(i => i.RecipientId == recipient).Select(i => int.Parse(i.NotificationId[2..])).Where(n => n != 5).ToList();
            sequences.ToList().ShouldBe(expected, $"order of {recipient}");
        }
    }

    [Fact]
    public async Task ConsumeAsync_HandlerRequeues_RedeliversTheItem()
    {
        await using var scope = await TransportScope.StartAsync();
        var calls = 0;
        var second = new TaskCompletionSource<WorkItem>(TaskCreationOptions.RunContinuationsAsynchronously);
        var item = TransportScope.Item("carol", 1, Channel.Push, Priority.Normal);
        await scope.Transport.PublishAsync([item], CancellationToken.None);

        await using (scope.Consume(Channel.Push, Priority.Normal, (w, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                return Task.FromResult((WorkSettlement.Requeue, (string?)"store unreachable"));
            }

            second.TrySetResult(w);
            return Task.FromResult((WorkSettlement.Ack, (string?)null));
        }))
        {
            (await second.Task.WaitAsync(Wait)).ShouldBe(item);
        }

        calls.ShouldBe(2);
        (await scope.DeadLettersAsync(1, TimeSpan.FromMilliseconds(300))).ShouldBeEmpty();
    }

    [Fact]
    public async Task PublishAsync_ThenConsumeAsync_Throughput()
    {
        await using var scope = await TransportScope.StartAsync(o => o.Partitions = 4);
        const int count = 5000;
        var items = Enumerable.Range(0, count).Select(i => TransportScope.Item($"u{i % 500}", i, Channel.Webhook, Priority.Low)).ToList();
        var acked = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(items.Chunk(250).Select(batch => scope.Transport.PublishAsync(batch, CancellationToken.None)));
        var published = watch.Elapsed;
        await using (scope.Consume(Channel.Webhook, Priority.Low, (_, _) =>
        {
            if (Interlocked.Increment(ref acked) == count)
            {
                all.TrySetResult();
            }

            return Task.FromResult((WorkSettlement.Ack, (string?)null));
        }))
        {
            await all.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        var total = watch.Elapsed;
        output.WriteLine($"published {count} confirmed in {published.TotalMilliseconds:0} ms ({count / published.TotalSeconds:0}/s); " +
            $"published and consumed in {total.TotalMilliseconds:0} ms ({count / total.TotalSeconds:0}/s)");
        acked.ShouldBe(count);
    }
}
