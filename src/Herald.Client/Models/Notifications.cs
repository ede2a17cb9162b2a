using System.Text.Json.Nodes;

namespace Herald.Client;

/// <summary>
/// One notification to a recipient (or to a topic's subscribers). <see cref="IdempotencyKey"/> makes a repeated send
/// return the first one's id; the client generates one per call when none is given, and reuses it across its retries.
/// </summary>
public sealed record SendNotificationRequest(string EventType)
{
    public string? RecipientId { get; init; }

    public string? Topic { get; init; }

    public Priority? Priority { get; init; }

    public IReadOnlyList<Channel>? Channels { get; init; }

    public string? TemplateId { get; init; }

    public int? TemplateVersion { get; init; }

    public JsonObject? Data { get; init; }

    public string? IdempotencyKey { get; init; }

    public DateTimeOffset? ScheduledAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public IReadOnlyList<Escalation>? Escalation { get; init; }
}

/// <summary>A step of an escalation: send on <see cref="Channel"/> if not opened within <see cref="After"/> (e.g. "15m").</summary>
public sealed record Escalation(Channel Channel, string After);

/// <summary>The same notification to many recipients; one idempotency key covers the whole batch.</summary>
public sealed record SendBatchRequest(string EventType, IReadOnlyList<string> RecipientIds)
{
    public Priority? Priority { get; init; }

    public IReadOnlyList<Channel>? Channels { get; init; }

    public string? TemplateId { get; init; }

    public int? TemplateVersion { get; init; }

    public JsonObject? Data { get; init; }

    public string? IdempotencyKey { get; init; }

    public DateTimeOffset? ScheduledAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public IReadOnlyList<Escalation>? Escalation { get; init; }
}

/// <summary>A send was accepted (<see cref="Topic"/> is set for a topic send).</summary>
public sealed record NotificationAccepted(string Id, string Status, string? Topic);

public sealed record BatchAccepted(string BatchId, int Accepted, string Status);

public sealed record Notification(string Id, string EventType, string RecipientId, Priority Priority, string Status,
    string TemplateId, int? TemplateVersion, DateTimeOffset? ScheduledAt, DateTimeOffset CreatedAt,
    IReadOnlyList<Delivery>? Deliveries, IReadOnlyList<TraceEntry>? Trace);

public sealed record Delivery(string Id, Channel Channel, string Target, string? Provider, string Status, int Attempts,
    string? LastError, DateTimeOffset? SentAt, DateTimeOffset? DeliveredAt);

public sealed record TraceEntry(DateTimeOffset At, string Stage, Channel? Channel, string Decision, string Reason);

public sealed record NotificationPage(IReadOnlyList<Notification> Notifications, string? NextCursor);

/// <summary>Filters for listing notifications; all optional. <see cref="Cursor"/> is a page's <c>NextCursor</c>.</summary>
public sealed record NotificationQuery
{
    public string? RecipientId { get; init; }

    public string? Status { get; init; }

    public string? EventType { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public int? Limit { get; init; }

    public string? Cursor { get; init; }
}
