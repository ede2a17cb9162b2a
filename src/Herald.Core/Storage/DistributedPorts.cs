using Herald.Core.Domain;

namespace Herald.Core.Storage;

/// <summary>
/// What the distributed mode needs beyond <see cref="IDispatchStore"/>: the deliveries table doubles as the transactional
/// outbox of the work transport. A delivery is "published" for one due time; when its due time moves (deferral, retry)
/// it becomes publishable again. Implemented by the PostgreSQL store.
/// </summary>
public interface IWorkRelayStore
{
    /// <summary>
    /// In one transaction, for the lanes of <paramref name="priority"/> only (each priority relays on its own, so an urgent
    /// round never waits behind a campaign's publishing; rounds of one priority run one at a time across the cluster):
    /// picks, per lane (channel × priority), up to <paramref name="limit"/> deliveries that are claimable (queued, deferred, retrying),
    /// due (due_at ≤ now) and not yet published for that due time, skipping rows other relays hold (FOR UPDATE SKIP LOCKED);
    /// calls <paramref name="publish"/>, which returns only once the broker confirmed them; marks them published; commits.
    /// If publish throws, nothing is marked and the exception propagates. Returns how many were published. A lane never holds
    /// more than <paramref name="maxInFlightPerLane"/> published-but-unclaimed deliveries, so a backlog in one lane never
    /// holds another lane's work out of the broker.
    /// </summary>
    Task<int> RelayDueAsync(DateTimeOffset now, Priority priority, int limit, int maxInFlightPerLane, Func<IReadOnlyList<Delivery>, CancellationToken, Task> publish, CancellationToken ct);

    /// <summary>
    /// Makes deliveries published before <paramref name="before"/> and still unclaimed publishable again (their message was
    /// lost, or is stuck behind a dead consumer). A duplicate message is harmless: the claim is conditional.
    /// </summary>
    Task<int> RepublishStaleAsync(DateTimeOffset before, CancellationToken ct);

    /// <summary>
    /// The earliest due time later than <paramref name="after"/> of a claimable delivery not yet published for it (a
    /// scheduled send, a retry, a deferral) of <paramref name="priority"/>'s lanes: how long that priority's relay may sleep
    /// when no signal wakes it sooner. Null: none.
    /// </summary>
    Task<DateTimeOffset?> NextUnpublishedDueAsync(DateTimeOffset after, Priority priority, CancellationToken ct);

    /// <summary>Deliveries published and not yet claimed: the size of the backlog in the broker (kept bounded).</summary>
    Task<int> CountInFlightAsync(CancellationToken ct);

    /// <summary>
    /// Claims the deliveries named by a batch of work messages, in one transaction: those still claimable and due are locked,
    /// the gate's facts for all of them are loaded set-based under a lock per recipient and channel (so rate limits hold
    /// exactly across processes), the gate decides in memory, and claims, deferrals and suppressions are written together.
    /// Returns the claimed deliveries (status sending, with a lease) in due order; a delivery that is not returned needs
    /// nothing more (already taken, sent, cancelled, not due, missing, or deferred/suppressed by the gate, which records why).
    /// </summary>
    Task<IReadOnlyList<Delivery>> ClaimPublishedAsync(IReadOnlyList<DeliveryRef> deliveries, DateTimeOffset now, DateTimeOffset leaseUntil, string owner, IDispatchGate gate, CancellationToken ct);

    /// <summary><see cref="ClaimPublishedAsync"/> for one delivery.</summary>
    async Task<Delivery?> ClaimOneAsync(DeliveryRef delivery, DateTimeOffset now, DateTimeOffset leaseUntil, string owner, IDispatchGate gate, CancellationToken ct) =>
        (await ClaimPublishedAsync([delivery], now, leaseUntil, owner, gate, ct)) is [var claimed] ? claimed : null;
}

/// <summary>A delivery's key as a work message carries it (deliveries are partitioned by notification id).</summary>
public readonly record struct DeliveryRef(string NotificationId, string DeliveryId);

/// <summary>
/// Provider token buckets kept in the shared store, so a provider account's rate (a Twilio long code's 1/s) holds
/// across every process. Implemented by the PostgreSQL store; a single-process store needs no sharing.
/// </summary>
public interface IProviderBucketStore
{
    /// <summary>
    /// Takes one token from the bucket <paramref name="name"/> (refilled at <paramref name="perSecond"/>, holding at most
    /// <paramref name="capacity"/>). Null when a token was taken; otherwise how long until one is free (nothing taken).
    /// </summary>
    Task<TimeSpan?> TryTakeAsync(string name, double perSecond, double capacity, DateTimeOffset now, CancellationToken ct);
}

/// <summary>
/// Which worker processes are alive, kept in the shared store so every node computes the same partition assignment
/// (<see cref="Transport.PartitionOwnership"/>). Implemented by the PostgreSQL store, on the database's clock.
/// </summary>
public interface IWorkerRegistry
{
    /// <summary>
    /// Records that <paramref name="nodeId"/> is alive now, forgets nodes silent for much longer than
    /// <paramref name="liveFor"/>, and returns the nodes seen within <paramref name="liveFor"/> (this one included), in id order.
    /// </summary>
    Task<IReadOnlyList<string>> HeartbeatAsync(string nodeId, TimeSpan liveFor, CancellationToken ct);

    /// <summary>Removes the node at a clean stop, so the others take over its partitions at once.</summary>
    Task LeaveAsync(string nodeId, CancellationToken ct);
}
