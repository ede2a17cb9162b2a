using Herald.Core.Domain;

namespace Herald.Core.Transport;

/// <summary>
/// Spreads every lane's partitions over the live worker processes, so that adding a node adds dispatch capacity. Each
/// partition queue keeps a single active consumer (that is what keeps a recipient's order), and every worker subscribes
/// to every partition as a standby, so a dead node's partitions move at once; but the broker makes the first subscriber
/// active everywhere. A consumer that finds itself active on a partition another live node owns yields it (finishes its
/// batch, cancels, subscribes again at the back), and the broker activates the next standby. Ownership is a pure function
/// of the live node list, so every node computes the same assignment without talking to the others.
/// </summary>
public sealed class PartitionOwnership
{
    private volatile string[] _live = [];

    /// <summary>This process's id in the worker registry.</summary>
    public string NodeId { get; } = "node-" + Guid.NewGuid().ToString("N")[..12];

    public void Update(IEnumerable<string> liveNodes) => _live = [.. liveNodes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// True when this process should be the active consumer of the partition: it is the live node the partition falls to
    /// (lanes offset so that two lanes' partition 0 do not land on one node), or it is alone or not registered yet.
    /// </summary>
    public bool Owns(Channel channel, Priority priority, int partition, int partitions)
    {
        var live = _live;
        if (live.Length <= 1 || Array.IndexOf(live, NodeId) < 0)
        {
            return true;
        }

        var lane = ((int)channel * 3) + (int)priority;
        return string.Equals(live[((lane * partitions) + partition) % live.Length], NodeId, StringComparison.Ordinal);
    }
}
