using Herald.Core.Domain;
using Herald.Core.Transport;

namespace Herald.Core.Tests.Transport;

public sealed class PartitionOwnershipTests
{
    private const int Partitions = 4;

    private static IEnumerable<(Channel Channel, Priority Priority, int Partition)> All() =>
        from lane in ChannelNames.Lanes from p in Enumerable.Range(0, Partitions) select (lane.Channel, lane.Priority, p);

    [Fact]
    public void Owns_ThreeLiveNodes_EveryPartitionOwnedByExactlyOneAndSpreadEvenly()
    {
        var nodes = Enumerable.Range(0, 3).Select(_ => new PartitionOwnership()).ToList();
        foreach (var node in nodes)
        {
            node.Update(nodes.Select(n => n.NodeId).Reverse()); // the order the registry gives does not matter
        }

        foreach (var (channel, priority, p) in All())
        {
            nodes.Count(n => n.Owns(channel, priority, p, Partitions)).ShouldBe(1, $"{channel}/{priority}/{p}");
        }

        var shares = nodes.Select(n => All().Count(x => n.Owns(x.Channel, x.Priority, x.Partition, Partitions))).ToList();
        shares.Sum().ShouldBe(ChannelNames.Lanes.Count * Partitions);
        shares.ShouldAllBe(s => s == 20, "60 partition queues over 3 nodes");
        nodes.ShouldAllBe(n => Enumerable.Range(0, Partitions).Any(p => n.Owns(Channel.InApp, Priority.Normal, p, Partitions)), "each node has a share of one lane too");
    }

    [Fact]
    public void Owns_AloneOrNotYetRegistered_OwnsEverything()
    {
        var alone = new PartitionOwnership();
        All().ShouldAllBe(x => alone.Owns(x.Channel, x.Priority, x.Partition, Partitions));

        alone.Update([alone.NodeId]);
        All().ShouldAllBe(x => alone.Owns(x.Channel, x.Priority, x.Partition, Partitions));

        alone.Update(["node-a", "node-b"]); // the registry has not seen this one yet
        All().ShouldAllBe(x => alone.Owns(x.Channel, x.Priority, x.Partition, Partitions));
    }

    [Fact]
    public void Owns_NodeLeaves_TheOtherTakesItsPartitions()
    {
        var a = new PartitionOwnership();
        var b = new PartitionOwnership();
        a.Update([a.NodeId, b.NodeId]);
        All().Count(x => a.Owns(x.Channel, x.Priority, x.Partition, Partitions)).ShouldBe(30);

        a.Update([a.NodeId]);

        All().ShouldAllBe(x => a.Owns(x.Channel, x.Priority, x.Partition, Partitions));
    }
}
