using Herald.Core.Domain;

namespace Herald.Core.Storage;

/// <summary>One accepted request: its notifications and, when keyed, the response to replay.</summary>
public sealed record IngestItem(IReadOnlyList<Notification> Notifications, IdempotencyRecord? Idempotency);

/// <summary>A planned notification: its deliveries, trace and status, or (<see cref="Digest"/>) the digest it goes into instead.</summary>
public sealed record PlanResult(string NotificationId, IReadOnlyList<Delivery> Deliveries, IReadOnlyList<TraceEntry> Trace, string Status,
    Digests.DigestAppend? Digest = null)
{
    /// <summary>
    /// What is written instead of a plan the store refused (see <see cref="BatchIsolation"/>): no deliveries, the
    /// notification <c>failed</c>, and the store's reason in its trace, so it is never planned again.
    /// </summary>
    public PlanResult Unstorable(string reason, DateTimeOffset now) =>
        new(NotificationId, [], [new TraceEntry(NotificationId, now, "plan", null, "failed", $"the plan could not be stored ({reason}); nothing will be sent")],
            NotificationStatus.Failed);
}

/// <summary>Plans a claimed batch (<see cref="Planning.Planner.PlanBatchAsync"/>): one result per notification, in order.</summary>
public delegate Task<IReadOnlyList<PlanResult>> PlanBatch(IReadOnlyList<Notification> batch, CancellationToken ct);

/// <summary>What one planning round did: the plans made, in claim order, and which of them the store wrote.</summary>
public sealed record PlanRound(IReadOnlyList<PlanResult> Results, BatchResults Written)
{
    /// <summary>Nothing was due.</summary>
    public static PlanRound Empty { get; } = new([], new BatchResults([]));

    /// <summary>
    /// A round in two transactions, for any store: the batch is leased (<see cref="IPlanStore.ClaimForPlanningAsync"/>),
    /// planned, and its plans written (<see cref="IPlanStore.CompletePlanningAsync"/>). A plan that throws leaves the
    /// lease to run out.
    /// </summary>
    public static async Task<PlanRound> LeasedAsync(IPlanStore store, Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, int limit,
        PlanBatch plan, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(time);
        var batch = await store.ClaimForPlanningAsync(priority, now, leaseUntil, limit, ct);
        if (batch.Count == 0)
        {
            return Empty;
        }

        var results = await plan(batch, ct);
        return new PlanRound(results, await store.CompletePlanningAsync(results, time.GetUtcNow(), ct));
    }
}

public interface IIngestStore
{
    Task<IdempotencyRecord?> GetIdempotencyAsync(string environmentId, string key, CancellationToken ct);

    /// <summary>
    /// Commits many requests in one transaction. Returns, per item, false when its idempotency key was already taken
    /// (that item stored nothing); the caller re-reads the saved record. Throws <see cref="StoreDataException"/>, with
    /// nothing stored, when an item's data cannot be stored; the caller isolates it (see <see cref="Ingest.GroupCommitter"/>).
    /// </summary>
    Task<IReadOnlyList<bool>> AcceptAsync(IReadOnlyList<IngestItem> items, DateTimeOffset now, CancellationToken ct);

    /// <summary>Removes idempotency records older than <paramref name="before"/>.</summary>
    Task<int> PurgeIdempotencyAsync(DateTimeOffset before, CancellationToken ct);
}

public interface IPlanStore
{
    Task<IReadOnlyList<Notification>> ClaimForPlanningAsync(Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken ct);

    /// <summary>
    /// One planning round: up to <paramref name="limit"/> due notifications of <paramref name="priority"/> are claimed,
    /// planned by <paramref name="plan"/> and written as <see cref="CompletePlanningAsync"/> writes them (a plan the store
    /// refuses fails alone). This default leases the batch and writes its plans in a second transaction
    /// (<see cref="PlanRound.LeasedAsync"/>); a store whose writers do not exclude each other may instead keep the rows
    /// locked through planning and write each notification once.
    /// </summary>
    Task<PlanRound> PlanDueAsync(Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, PlanBatch plan, TimeProvider time, CancellationToken ct) =>
        PlanRound.LeasedAsync(this, priority, now, leaseUntil, limit, plan, time, ct);

    /// <summary>
    /// Writes deliveries and trace and moves each notification on, only while it is still being planned. A plan whose own
    /// data the store refuses does not fail the others: it is written as <see cref="PlanResult.Unstorable"/> and reported.
    /// </summary>
    Task<BatchResults> CompletePlanningAsync(IReadOnlyList<PlanResult> results, DateTimeOffset now, CancellationToken ct);

    /// <summary>Returns notifications whose planning lease expired to the queue.</summary>
    Task<int> ReleaseExpiredPlanningAsync(DateTimeOffset now, CancellationToken ct);

    /// <summary>Adds deliveries (channel fallback) for a notification that is already planned.</summary>
    Task AddDeliveriesAsync(string notificationId, IReadOnlyList<Delivery> deliveries, IReadOnlyList<TraceEntry> trace, DateTimeOffset now, CancellationToken ct);
}

public interface INotificationQueryStore
{
    /// <summary>By id, of any environment (ids are unique across them): the API compares <see cref="Notification.EnvironmentId"/> with the caller's.</summary>
    Task<Notification?> GetNotificationAsync(string id, CancellationToken ct);
    Task<IReadOnlyList<Delivery>> GetDeliveriesAsync(string notificationId, CancellationToken ct);
    Task<IReadOnlyList<TraceEntry>> GetTraceAsync(string notificationId, CancellationToken ct);

    /// <summary>Newest first; <paramref name="cursor"/> is the last id of the previous page.</summary>
    Task<IReadOnlyList<Notification>> ListNotificationsAsync(string environmentId, string? recipientId, string? status, int limit, string? cursor, CancellationToken ct);

    /// <summary>Newest first, filtered by every field of <paramref name="search"/> that is set; <paramref name="cursor"/> is the last id of the previous page.</summary>
    Task<IReadOnlyList<Notification>> SearchNotificationsAsync(NotificationSearch search, int limit, string? cursor, CancellationToken ct);

    /// <summary>Cancels a notification and its unsent deliveries. Null when unknown; false when nothing was left to cancel.</summary>
    Task<bool?> CancelNotificationAsync(string id, DateTimeOffset now, CancellationToken ct);

    /// <summary>Dead deliveries of one environment, oldest first, of one channel or all; <paramref name="cursor"/> is the last id of the previous page.</summary>
    Task<IReadOnlyList<Delivery>> ListDeadLettersAsync(string environmentId, int limit, string? cursor, Channel? channel, CancellationToken ct);
    /// <summary>By id, of any environment: the API checks the environment of its notification.</summary>
    Task<Delivery?> GetDeliveryAsync(string deliveryId, CancellationToken ct);
}

/// <summary>
/// What the notification search filters on. Time bounds are id bounds: notification ids are UUIDv7 (time-ordered), so a
/// time range is an id range on the primary key and every search is an index walk, however many notifications are stored.
/// </summary>
public sealed record NotificationSearch(string EnvironmentId, string? RecipientId = null, string? Status = null, string? EventType = null, string? FromId = null, string? ToId = null)
{
    /// <summary>The smallest (or, with <paramref name="upper"/>, the largest) notification id minted at <paramref name="at"/>'s millisecond.</summary>
    public static string IdBound(DateTimeOffset at, bool upper)
    {
        // Ids carry no time before 1970; a negative count in hex ("ffff…") would sort above every id, so a 'from' before
        // 1970 matched nothing and a 'to' before 1970 matched everything. Clamped, they mean "since ever" and "nothing".
        var ms = Math.Max(0, at.ToUnixTimeMilliseconds()).ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
        return "ntf_" + ms + (upper ? new string('f', 20) : new string('0', 20));
    }

    /// <summary>
    /// The conditions of one page, only for the filters that are set: a "column operator" to which the store appends its
    /// parameter marker and <c>Name</c>. A generic "(@x IS NULL OR col = @x)" would hide the columns from the planner, which
    /// then walks the whole primary key for a rare match; written this way each search is one index range, newest first.
    /// </summary>
    public IEnumerable<(string Condition, string Name, string Value)> Conditions(string? cursor)
    {
        // Every index a search walks leads with the environment (migration 020), so a page never leaves it.
        yield return ("environment_id =", "env", EnvironmentId);
        if (RecipientId is not null)
        {
            yield return ("recipient_id =", "r", RecipientId);
        }

        if (Status is not null)
        {
            yield return ("status =", "s", Status);
        }

        if (EventType is not null)
        {
            yield return ("event_type =", "e", EventType);
        }

        if (FromId is not null)
        {
            yield return ("id >=", "from", FromId);
        }

        if (UpperBound(cursor) is { } upper)
        {
            yield return ("id <", "up", upper);
        }
    }

    /// <summary>The exclusive upper id bound of a page: the cursor or just above <see cref="ToId"/>, whichever is lower.</summary>
    public string? UpperBound(string? cursor)
    {
        // '~' sorts after every hex digit, so for ids of one length "id &lt; ToId + '~'" is "id &lt;= ToId".
        var to = ToId is null ? null : ToId + "~";
        return cursor is null ? to : to is null || string.CompareOrdinal(cursor, to) < 0 ? cursor : to;
    }
}
