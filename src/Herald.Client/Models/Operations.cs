using System.Text.Json.Nodes;

namespace Herald.Client;

/// <summary>A delivery that used up its attempts; <see cref="Content"/> is what was rendered for it.</summary>
public sealed record DeadLetter(string DeliveryId, string NotificationId, string RecipientId, string EventType, Channel Channel, Priority Priority,
    string Target, int Attempts, string? LastError, DateTimeOffset UpdatedAt, string Status, JsonNode? Content);

/// <summary>One page of dead letters; pass <see cref="NextCursor"/> for the next, null at the end.</summary>
public sealed record DeadLetterPage(IReadOnlyList<DeadLetter> DeadLetters, string? NextCursor);

/// <summary>A replayed delivery, queued again.</summary>
public sealed record ReplayAccepted(string DeliveryId, string Status);

/// <summary>
/// Filters for the audit log; all optional. <see cref="Action"/> is an action name such as <c>key.revoked</c> (the
/// server refuses an unknown one); <see cref="To"/> is inclusive; <see cref="Cursor"/> is a page's <c>NextCursor</c>.
/// </summary>
public sealed record AuditQuery
{
    public string? Action { get; init; }

    public string? Actor { get; init; }

    public string? Target { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public int? Limit { get; init; }

    public string? Cursor { get; init; }
}

/// <summary>
/// One operator action: <see cref="Actor"/> is an API key id, or <c>system</c>. <see cref="Action"/> stays a string: the
/// document's list grows with each feature, and an older client must still read a newer server's log.
/// </summary>
public sealed record AuditEntry(string Id, DateTimeOffset At, string Actor, string Action, string Target, JsonNode? Details, string? TraceId);

/// <summary>One page of the audit log, newest first; pass <see cref="NextCursor"/> for the next, null at the end.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, string? NextCursor);
