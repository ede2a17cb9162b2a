using Herald.Transport.RabbitMq.Internal;

namespace Herald.Transport.RabbitMq.Tests;

public sealed class TopologyTests
{
    [Fact]
    public async Task EnsureTopologyAsync_CalledTwice_IsIdempotentAndDeclaresEveryPartition()
    {
        await using var scope = await TransportScope.StartAsync(o => o.Partitions = 3);

        await scope.Transport.EnsureTopologyAsync(CancellationToken.None);
        await scope.Transport.EnsureTopologyAsync(CancellationToken.None);

        scope.Transport.Health.ShouldBe((true, null));
        await using var connection = await TestBroker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queues = scope.Topology.WorkQueues().ToList();
        queues.Count.ShouldBe(5 * 3 * 3);
        foreach (var (lane, priority, partition) in queues)
        {
            var ok = await channel.QueueDeclarePassiveAsync(scope.Topology.Queue(lane, priority, partition));
            ok.MessageCount.ShouldBe(0u);
        }

        await channel.QueueDeclarePassiveAsync(scope.Topology.DeadQueue);
        scope.Topology.Queue(Core.Domain.Channel.InApp, Core.Domain.Priority.Low, 2).ShouldBe($"{scope.Options.ExchangePrefix}.work.in_app.low.2");
        scope.Topology.DeadQueue.ShouldBe($"{scope.Options.ExchangePrefix}.dead-letters");
    }

    [Fact]
    public void Partition_SameRecipient_IsStableAndSpreadsRecipients()
    {
        // SHA-256("alice") starts 2b d8 06 c9: 0x2bd806c9 % 16 = 9. Fixed values catch an accidental change of the function,
        // which would move recipients between partitions while work is queued.
        Topology.Partition("alice", 16).ShouldBe(9);
        Topology.Partition("user-1", 16).ShouldBe(4);
        Enumerable.Range(0, 10).Select(_ => Topology.Partition("alice", 4)).ShouldAllBe(p => p == 1);

        var used = Enumerable.Range(0, 200).Select(i => Topology.Partition($"user-{i}", 4)).ToHashSet();
        used.OrderBy(p => p).ShouldBe([0, 1, 2, 3]);
    }
}
