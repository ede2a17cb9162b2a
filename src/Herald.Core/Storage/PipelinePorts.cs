using Herald.Core.Domain;

namespace Herald.Core.Storage;

/// <summary>One accepted request: its notifications and, when keyed, the response to replay.</summary>
public sealed record IngestItem(IReadOnlyList<Notification> Notifications, IdempotencyRecord? Idempotency);

/// <summary>What planning decided for one notification: its deliveries, its trace and its new status.</summary>
/// <summary>A planned notification: its deliveries, trace and status, or (<see cref="Digest"/>) the digest it goes into instead.</summary>
public sealed record PlanResult(string NotificationId, IReadOnlyList<Delivery> Deliveries, IReadOnlyList<TraceEntry> Trace, string Status,
    Digests.DigestAppend? Digest = null);

public interface IIngestStore
{
    Task<IdempotencyRecord?> GetIdempotencyAsync(string key, CancellationToken ct);

    /// <summary>
    /// Commits many requests in one transaction. Returns, per item, false when its idempotency key was already taken
    /// (that item stored nothing); the caller re-reads the saved record.
    /// </summary>
    Task<IReadOnlyList<bool>> AcceptAsync(IReadOnlyList<IngestItem> items, DateTimeOffset now, CancellationToken ct);

    /// <summary>Removes idempotency records older than <paramref name="before"/>.</summary>
    Task<int> PurgeIdempotencyAsync(DateTimeOffset before, CancellationToken ct);
}

public interface IPlanStore
{
    Task<IReadOnlyList<Notification>> ClaimForPlanningAsync(Priority priority, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken ct);

    /// <summary>Writes deliveries and trace and moves each notification on, only while it is still being planned.</summary>
    Task CompletePlanningAsync(IReadOnlyList<PlanResult> results, DateTimeOffset now, CancellationToken ct);

    /// <summary>Returns notifications whose planning lease expired to the queue.</summary>
    Task<int> ReleaseExpiredPlanningAsync(DateTimeOffset now, CancellationToken ct);

    /// <summary>Adds deliveries (channel fallback) for a notification that is already planned.</summary>
    Task AddDeliveriesAsync(string notificationId, IReadOnlyList<Delivery> deliveries, IReadOnlyList<TraceEntry> trace, DateTimeOffset now, CancellationToken ct);
}

public interface INotificationQueryStore
{
    Task<Notification?> GetNotificationAsync(string id, CancellationToken ct);
    Task<IReadOnlyList<Delivery>> GetDeliveriesAsync(string notificationId, CancellationToken ct);
    Task<IReadOnlyList<TraceEntry>> GetTraceAsync(string notificationId, CancellationToken ct);

    /// <summary>Newest first; <paramref name="cursor"/> is the last id of the previous page.</summary>
    Task<IReadOnlyList<Notification>> ListNotificationsAsync(string? recipientId, string? status, int limit, string? cursor, CancellationToken ct);

    /// <summary>Cancels a notification and its unsent deliveries. Null when unknown; false when nothing was left to cancel.</summary>
    Task<bool?> CancelNotificationAsync(string id, DateTimeOffset now, CancellationToken ct);

    Task<IReadOnlyList<Delivery>> ListDeadLettersAsync(int limit, string? cursor, CancellationToken ct);
    Task<Delivery?> GetDeliveryAsync(string deliveryId, CancellationToken ct);
}
