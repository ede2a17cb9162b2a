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
    /// In one transaction: picks, per lane (channel × priority), up to <paramref name="limit"/> deliveries that are claimable (queued, deferred, retrying),
    /// due (due_at ≤ now) and not yet published for that due time, skipping rows other relays hold (FOR UPDATE SKIP LOCKED);
    /// calls <paramref name="publish"/>, which returns only once the broker confirmed them; marks them published; commits.
    /// If publish throws, nothing is marked and the exception propagates. Returns how many were published. A lane never holds
    /// more than <paramref name="maxInFlightPerLane"/> published-but-unclaimed deliveries, so a backlog in one lane never
    /// holds another lane's work out of the broker.
    /// </summary>
    Task<int> RelayDueAsync(DateTimeOffset now, int limit, int maxInFlightPerLane, Func<IReadOnlyList<Delivery>, CancellationToken, Task> publish, CancellationToken ct);

    /// <summary>
    /// Makes deliveries published before <paramref name="before"/> and still unclaimed publishable again (their message was
    /// lost, or is stuck behind a dead consumer). A duplicate message is harmless: the claim is conditional.
    /// </summary>
    Task<int> RepublishStaleAsync(DateTimeOffset before, CancellationToken ct);

    /// <summary>
    /// The earliest due time later than <paramref name="after"/> of a claimable delivery not yet published for it (a
    /// scheduled send, a retry, a deferral): how long the relay may sleep when no signal wakes it sooner. Null: none.
    /// </summary>
    Task<DateTimeOffset?> NextUnpublishedDueAsync(DateTimeOffset after, CancellationToken ct);

    /// <summary>Deliveries published and not yet claimed: the size of the backlog in the broker (kept bounded).</summary>
    Task<int> CountInFlightAsync(CancellationToken ct);

    /// <summary>
    /// Claims one delivery named by a work message, if it is still claimable and due: the gate runs inside the claim
    /// transaction under a lock per recipient and channel, so rate limits hold exactly across processes. Returns the
    /// claimed delivery (status sending, with a lease), or null when there is nothing to do (already taken, sent,
    /// cancelled, not due, or deferred/suppressed by the gate, which records why).
    /// </summary>
    Task<Delivery?> ClaimOneAsync(string deliveryId, DateTimeOffset now, DateTimeOffset leaseUntil, string owner, IDispatchGate gate, CancellationToken ct);
}

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
