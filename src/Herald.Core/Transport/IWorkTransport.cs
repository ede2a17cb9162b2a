using Herald.Core.Domain;

namespace Herald.Core.Transport;

/// <summary>One delivery that is due, as it travels between processes: only ids and routing facts, never content.</summary>
public sealed record WorkItem(string DeliveryId, string NotificationId, string RecipientId, Channel Channel, Priority Priority, DateTimeOffset DueAt,
    string? TraceParent = null);

/// <summary>What a consumer did with a work item; every message is settled on purpose.</summary>
public enum WorkSettlement
{
    /// <summary>Done (sent, settled, or nothing to do because the store says it is not ours): remove it.</summary>
    Ack,

    /// <summary>Could not be handled now (store unreachable): give it back to be delivered again.</summary>
    Requeue,

    /// <summary>Can never be handled (malformed, unknown lane): move it to the dead-letter queue with its reason.</summary>
    DeadLetter,
}

/// <summary>How one work item was settled, and why when it was not acknowledged.</summary>
public readonly record struct WorkResult(WorkSettlement Settlement, string? Reason = null)
{
    public static readonly WorkResult Ack = new(WorkSettlement.Ack);
}

/// <summary>
/// Distributes due work between Herald processes (distributed mode: RabbitMQ). The store stays the system of record:
/// a work item only says "look at this delivery"; the consumer claims it in the store before doing anything, so a
/// duplicate or stale message is harmless.
/// </summary>
public interface IWorkTransport
{
    /// <summary>Declares exchanges and queues (idempotent). Called at start and after every reconnect.</summary>
    Task EnsureTopologyAsync(CancellationToken ct);

    /// <summary>Publishes and returns only when the broker confirmed every item (publisher confirms); throws otherwise.</summary>
    Task PublishAsync(IReadOnlyList<WorkItem> items, CancellationToken ct);

    /// <summary>
    /// Consumes one lane until <paramref name="ct"/> is cancelled, in batches of at most <paramref name="maxBatch"/> items
    /// of distinct recipients: what a partition has received, handed over at once. Items for one recipient arrive in
    /// publish order, and a recipient's next item is handed over only once the previous one is settled (the lane is
    /// partitioned by recipient; each partition has a single active consumer and one batch in the handler at a time).
    /// The handler answers one result per item, in the batch's order; each result settles its own message. A handler
    /// exception requeues the whole batch, and after the delivery limit a message is dead-lettered.
    /// </summary>
    Task ConsumeAsync(Channel channel, Priority priority, int maxBatch, Func<IReadOnlyList<WorkItem>, CancellationToken, Task<IReadOnlyList<WorkResult>>> handler,
        CancellationToken ct);

    /// <summary>True while connected; the reason when not (for /readyz).</summary>
    (bool Ready, string? Reason) Health { get; }
}
