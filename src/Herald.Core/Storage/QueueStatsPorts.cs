using Herald.Core.Domain;

namespace Herald.Core.Storage;

/// <summary>One lane's backlog: deliveries due now (queued, deferred or retrying with due_at ≤ now) and the oldest due time.</summary>
public sealed record LaneBacklog(Channel Channel, Priority Priority, long Due, DateTimeOffset? OldestDue);

/// <summary>What the queue gauges show: the backlog per lane, deliveries in flight, and the dead-letter queue.</summary>
public sealed record QueueSnapshot(IReadOnlyList<LaneBacklog> Lanes, long Sending, long Dead);

public interface IQueueStatsStore
{
    /// <summary>Counts over the partial indexes the lanes and the dead-letter listing already use; no full scan.</summary>
    Task<QueueSnapshot> GetQueueSnapshotAsync(DateTimeOffset now, CancellationToken ct);
}
